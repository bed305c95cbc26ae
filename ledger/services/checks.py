"""Shape checks the ledger's services share (names, invoice and bill dates)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from bankint.dates import clean_entered_date
from bankint.errors import ValidationFailed


def clean_name(value, field: str = "name") -> str:
    name = (value or "").strip()
    if not name:
        message = _("Enter a name.")
        raise ValidationFailed(message, fields={field: [message]})
    return name[:200]


def check_dates(issue: datetime.date, due: datetime.date) -> None:
    clean_entered_date(issue, field="issue_date")
    clean_entered_date(due, field="due_date")
    if due < issue:
        message = _("The due date cannot be before the issue date.")
        raise ValidationFailed(message, fields={"due_date": [message]})
