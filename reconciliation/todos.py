"""The reconciliation's part of the home page's to-do list (``bankint.todos``): bank entries
the matcher left for a person, and statement files the portal refused lately. Two queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.formatting import day
from bankint.todos import Todo
from companies.roles import Perm

from .models import StatementEntry, StatementFile

# A refused file is news for a month; after that it is history (the files list keeps it).
REFUSED_WITHIN = timedelta(days=30)


def reconciliation_todos(user, company, perms) -> list[Todo]:
    if Perm.MANAGE_LEDGER not in perms:
        return []
    entries = StatementEntry.objects.filter(
        company=company, status=StatementEntry.Status.UNMATCHED
    ).aggregate(n=Count("pk"), oldest=Min("booking_date"))
    refused = StatementFile.objects.filter(
        company=company, status=StatementFile.Status.REJECTED, created_at__gte=timezone.now() - REFUSED_WITHIN
    ).aggregate(n=Count("pk"))
    return [
        Todo(
            key="reconciliation.unmatched",
            title=_("Bank entries to match"),
            count=entries["n"],
            link=reverse("reconciliation:overview"),
            detail=_("The oldest is from %(date)s.") % {"date": day(entries["oldest"])}
            if entries["oldest"]
            else "",
            order=40,
        ),
        Todo(
            key="reconciliation.refused_files",
            title=_("Bank statement files refused in the last 30 days"),
            count=refused["n"],
            link=reverse("reconciliation:files"),
            detail=_("Each file's page says why and what to do."),
            order=60,
        ),
    ]
