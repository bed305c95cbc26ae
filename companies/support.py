"""Support staff in the admin: who they are, what they may see, and the trail of what they saw.

Support staff are staff users in the "Support" group: the view permission on the models below and
no other, so the admin shows them every screen "where is my payment?" needs and lets them write
nothing (the model admins are read-only as well, ``bankint.admin.ReadOnlyAdmin``). Secrets are
not among the models: API tokens (their hashes) stay with the superusers.

Every page of a company's data a staff user opens in these admins, a list or one object, leaves
one audit row (``support.view_list`` / ``support.view``): who, which company, what was shown. One
row per page, written after the page's own queries, never one per row shown.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import or_

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .models import Company
from .services import audit_record

SUPPORT_GROUP = "Support"

# "app_label.model": what support staff may view (and nothing else they may do).
SUPPORT_MODELS = (
    "companies.company",
    "companies.membership",
    "companies.userprofile",
    "companies.auditevent",
    "notifications.notification",
    "accounts.bankaccount",
    "accounts.approvalauthorisation",
    "accounts.bankapprovalright",
    "ledger.customer",
    "ledger.invoice",
    "ledger.invoicesettlement",
    "ledger.invoicesettings",
    "ledger.supplier",
    "ledger.bill",
    "ledger.voucher",
    "agreements.serviceorder",
    "agreements.onlinebankapplication",
    "agreements.rgborder",
    "remittance.paymentbatch",
    "remittance.payment",
    "remittance.paymentsettings",
    "ocr.ocrfile",
    "ocr.ocrtransaction",
    "reconciliation.statementfile",
    "reconciliation.statement",
    "reconciliation.statemententry",
    "reconciliation.match",
)


def support_group_sync() -> Group:
    """The "Support" group with exactly the view permissions above (run after migrations)."""
    group = Group.objects.get_or_create(name=SUPPORT_GROUP)[0]
    wanted = reduce(
        or_,
        (
            Q(content_type__app_label=label.split(".")[0], codename=f"view_{label.split('.')[1]}")
            for label in SUPPORT_MODELS
        ),
    )
    group.permissions.set(Permission.objects.filter(wanted))
    return group


# --- search: amounts and dates as people type them ------------------------------------------------

# "12 345,67", "12345.67", "12 345": digits with spaces between thousands, a comma or point before øre.
_AMOUNT = re.compile(r"-?(?:[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[,.][0-9]{1,2})?")
_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d %b %Y", "%d/%m/%Y")


def search_amount(term: str) -> Decimal | None:
    text = term.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not _AMOUNT.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def search_date(term: str) -> date | None:
    text = term.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # a calendar date, no time of day
        except ValueError:
            continue
    return None


class SupportAdminMixin:
    """For a read-only model admin of company data: search by amount and date, audit every view.

    ``amount_search_fields`` and ``date_search_fields`` (date or datetime fields) are searched for
    the whole term when it reads as an amount ("12 345,67", "12345.67") or a date ("05.12.2026",
    "2026-12-05"), besides the text ``search_fields``. ``company_field`` names the company.
    """

    amount_search_fields: tuple[str, ...] = ()
    date_search_fields: tuple[str, ...] = ()
    company_field = "company"

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        exact = Q()
        amount = search_amount(search_term) if search_term else None
        if amount is not None:
            for field in self.amount_search_fields:
                exact |= Q(**{field: amount})
        day = search_date(search_term) if search_term else None
        if day is not None:
            for field in self.date_search_fields:
                is_instant = (
                    self.model._meta.get_field(field.split("__")[0]).get_internal_type() == "DateTimeField"
                )
                exact |= Q(**{f"{field}__date" if is_instant else field: day})
        if not exact:
            return found, may_have_duplicates
        return found | queryset.filter(exact), True

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            rows = list(changelist.result_list)  # the page's rows, evaluated once for the page too
            companies = sorted({c for c in (self._company_id(r) for r in rows) if c})
            audit_record(
                "support.view_list",
                actor=request.user,
                company=Company(pk=companies[0]) if len(companies) == 1 else None,
                object_repr=str(self.model._meta.verbose_name_plural),
                changes={
                    "model": self.model._meta.label_lower,
                    "ids": [r.pk for r in rows],
                    "companies": companies,
                    "search": changelist.query,
                },
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if obj is not None and request.method == "GET":
            self.audit_view(request, obj)
        return response

    def raw_view(self, request, pk: int):
        """A bank file's bytes (``bankint.admin.RawFileAdminMixin``): the download is audited too."""
        response = super().raw_view(request, pk)
        if response.status_code == 200:
            self.audit_view(request, self.model.objects.defer(self.raw_field).get(pk=pk), "raw file")
        return response

    def audit_view(self, request, obj, what: str = "") -> None:
        company_id = self._company_id(obj)
        audit_record(
            "support.view",
            obj=obj,
            actor=request.user,
            company=Company(pk=company_id) if company_id else None,
            changes={"viewed": what or "page"},
        )

    def _company_id(self, obj):
        return getattr(obj, f"{self.company_field}_id", None)
