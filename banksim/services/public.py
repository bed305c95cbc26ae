"""How the partner API shows the bank's rows: fields as they are, blank text as null, dates and
times as ISO 8601, and the bank's pages as full URLs."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings


def fields_of(row, *names: str) -> dict:
    """The named fields of a row as a public answer shows them: unchanged."""
    return {name: getattr(row, name) for name in names}


def fields_or_none(row, *names: str) -> dict:
    """The named text fields of a row as a public answer shows them: null where blank."""
    return {name: getattr(row, name) or None for name in names}


def iso_or_none(value: date | datetime | None) -> str | None:
    """A date or time as JSON gives it: ISO 8601, or null when there is none (yet)."""
    return value.isoformat() if value else None


def public_url(path: str) -> str:
    return f"{settings.BANKSIM_PUBLIC_URL}{path}"
