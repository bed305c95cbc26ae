from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OcrConfig(AppConfig):
    name = "ocr"
    verbose_name = _("Nets OCR")

    def ready(self) -> None:
        from accounts.services import on_nets_ocr_registered
        from bankint import bankfeed as feed

        from .services import ocr_files_fetch, ocr_kept_aside_import

        feed.register("ocr_file.created", ocr_files_fetch)
        # Nets may send for an account before the company registers it: kept aside till then.
        on_nets_ocr_registered(ocr_kept_aside_import)

        from bankint import todos as home_todos

        from .todos import ocr_todos

        home_todos.register(ocr_todos)
