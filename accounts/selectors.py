"""Reads of bank accounts and authorisations, always scoped to one company."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from companies.models import Membership
from companies.roles import ROLE_PERMS, Perm

from .models import ApprovalAuthorisation, BankAccount, BankApprovalRight, BankService, PaymentMethod


def bank_account_list(company, *, active: bool | None = None) -> QuerySet[BankAccount]:
    qs = BankAccount.objects.filter(company=company).order_by(
        "-is_active", "ledger_account", "account_number"
    )
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def bank_account_list_with_nets_ocr(company) -> QuerySet[BankAccount]:
    # jsonb containment (@>): the account's list of incoming payment methods includes Nets OCR.
    return BankAccount.objects.filter(
        company=company, is_active=True, incoming_payment_methods__contains=[PaymentMethod.NETS_OCR]
    )


def bank_account_list_with_ocr_service(company) -> QuerySet[BankAccount]:
    return BankAccount.objects.filter(company=company, is_active=True, services__contains=[BankService.OCR])


def approver_candidates(company) -> QuerySet:
    """Members of the company whose role lets them approve payments."""
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.APPROVE_PAYMENTS in perms]
    user_ids = Membership.objects.filter(company=company, role__in=roles).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username")


def authorisation_list(company) -> QuerySet[ApprovalAuthorisation]:
    return (
        ApprovalAuthorisation.objects.filter(company=company)
        .select_related("bank_account", "user")
        .order_by("bank_account__account_number", "user__username")
    )


@dataclass
class AuthorisationRow:
    """One person on one account, as the portal and the bank each see it."""

    bank_account: BankAccount
    label: str
    authorisation: ApprovalAuthorisation | None
    bank_right: BankApprovalRight | None

    @property
    def in_portal(self) -> bool:
        return self.authorisation is not None

    @property
    def in_bank(self) -> bool:
        return self.bank_right is not None

    @property
    def mismatch(self) -> bool:
        return self.in_portal != self.in_bank


@dataclass
class AccountAuthorisations:
    bank_account: BankAccount
    rows: list[AuthorisationRow]
    fetched_at: object | None  # when the bank's rights were last fetched; None = never

    @property
    def has_mismatch(self) -> bool:
        return self.fetched_at is not None and any(row.mismatch for row in self.rows)


def authorisation_overview(company) -> list[AccountAuthorisations]:
    """Portal authorisations beside the bank's rights, per active account (four queries).

    A bank right is tied to a portal user by its ``user`` or, failing that, by the online-bank
    user id on the user's profile (TB12345).
    """
    accounts = list(bank_account_list(company, active=True))
    auths = list(authorisation_list(company).filter(bank_account__is_active=True))
    rights = list(
        BankApprovalRight.objects.filter(company=company, bank_account__is_active=True).select_related("user")
    )
    member_ids = {a.user_id for a in auths}
    bank_ids = {
        (uid or "").upper(): user_id
        for user_id, uid in get_user_model()
        .objects.filter(memberships__company=company)
        .values_list("pk", "profile__bank_user_id")
        if uid
    }
    users = {a.user_id: a.user for a in auths}
    out = []
    for account in accounts:
        rows: dict[object, AuthorisationRow] = {}
        for auth in (a for a in auths if a.bank_account_id == account.pk):
            rows[("user", auth.user_id)] = AuthorisationRow(account, _user_label(auth.user), auth, None)
        account_rights = [r for r in rights if r.bank_account_id == account.pk]
        for right in account_rights:
            user_id = right.user_id or bank_ids.get(right.bank_user_id.upper())
            key = (
                ("user", user_id) if user_id in member_ids or right.user_id else ("bank", right.bank_user_id)
            )
            if key in rows:
                rows[key].bank_right = right
            else:
                label = (
                    _user_label(users.get(user_id) or right.user) if key[0] == "user" else right.bank_user_id
                )
                rows[key] = AuthorisationRow(account, f"{label} ({right.bank_user_id})", None, right)
        fetched = max((r.fetched_at for r in account_rights), default=None)
        out.append(AccountAuthorisations(account, sorted(rows.values(), key=lambda r: r.label), fetched))
    return out


def _user_label(user) -> str:
    if user is None:
        return "?"
    return user.get_full_name() or user.get_username()
