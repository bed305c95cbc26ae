app_name = "ocr"

urlpatterns: list = []
