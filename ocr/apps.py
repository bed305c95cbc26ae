from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OcrConfig(AppConfig):
    name = "ocr"
    verbose_name = _("Nets OCR")

    def ready(self) -> None:
        from bankint import bankfeed as feed

        from .services import ocr_files_fetch

        feed.register("ocr_file.created", ocr_files_fetch)

        from bankint import todos as home_todos

        from .todos import ocr_todos

        home_todos.register(ocr_todos)
