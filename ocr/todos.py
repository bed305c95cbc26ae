"""OCR's part of the home page's to-do list (``bankint.todos``): KID payments no invoice was
found for, and OCR files the portal refused lately. Two queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.todos import Todo
from companies.roles import Perm

from .models import OcrFile, OcrTransaction

# A refused file is news for a month; after that it is history (the files list keeps it).
REFUSED_WITHIN = timedelta(days=30)


def ocr_todos(user, company, perms) -> list[Todo]:
    if Perm.MANAGE_LEDGER not in perms:
        return []
    unmatched = OcrTransaction.objects.filter(
        company=company, status=OcrTransaction.Status.UNMATCHED
    ).aggregate(n=Count("pk"))
    refused = OcrFile.objects.filter(
        company=company, status=OcrFile.Status.REJECTED, created_at__gte=timezone.now() - REFUSED_WITHIN
    ).aggregate(n=Count("pk"))
    return [
        Todo(
            key="ocr.unmatched",
            title=_("OCR payments without an invoice"),
            count=unmatched["n"],
            link=reverse("ocr:unmatched"),
            detail=_("Find the invoice each payment is for and settle it."),
            order=45,
        ),
        Todo(
            key="ocr.refused_files",
            title=_("OCR files refused in the last 30 days"),
            count=refused["n"],
            link=reverse("ocr:files"),
            detail=_("Each file's page says why and what to do."),
            order=55,
        ),
    ]
