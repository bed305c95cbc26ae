from django.urls import path

from . import views

app_name = "ocr"

urlpatterns = [
    path("", views.files, name="files"),
    path("unmatched/", views.unmatched, name="unmatched"),
    path("<int:pk>/", views.file_detail, name="file_detail"),
    path("<int:pk>/raw/", views.file_raw, name="file_raw"),
    path("transactions/<int:pk>/allocate/", views.allocate, name="allocate"),
]
