from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OcrConfig(AppConfig):
    name = "ocr"
    verbose_name = _("Nets OCR")
