"""The OCR file as a kind of bank file (``bankint.intake``): stored zlib-compressed."""

from __future__ import annotations

from bankint.intake import Intake
from companies.services import audit_record
from notifications.services import notify

from ..models import OcrFile

INTAKE = Intake(
    OcrFile,
    name="ocr_file",
    raw_field="raw",
    accepted=OcrFile.ACCEPTED,
    audit=audit_record,
    notify=notify,
    compressed=True,
)
