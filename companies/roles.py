"""Roles a user holds in a company, and what each role may do.

A user can hold several roles in one company (a small company's administrator is often
also its approver); permissions are the union. The one table below is the whole policy.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSADMIN = "SYSADMIN", _("System administrator")
    ACCOUNTANT = "ACCOUNTANT", _("Accountant")
    APPROVER = "APPROVER", _("Approver")
    READ_ONLY = "READ_ONLY", _("Read-only")


class Perm(StrEnum):
    VIEW = "view"
    MANAGE_BANK = "manage_bank"  # bank accounts, agreements, service orders, authorisations
    MANAGE_LEDGER = "manage_ledger"  # customers, invoices, suppliers, bills, invoice settings
    PREPARE_PAYMENTS = "prepare_payments"  # enter payments, build batches, send for post-approval
    APPROVE_PAYMENTS = "approve_payments"  # RgB approval with BankID


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.SYSADMIN: frozenset({Perm.VIEW, Perm.MANAGE_BANK, Perm.MANAGE_LEDGER, Perm.PREPARE_PAYMENTS}),
    # The accountant runs the client's books and bank setup on the client's behalf.
    Role.ACCOUNTANT: frozenset({Perm.VIEW, Perm.MANAGE_BANK, Perm.MANAGE_LEDGER, Perm.PREPARE_PAYMENTS}),
    # Approving needs its own role: the person who prepares is not the one who approves.
    Role.APPROVER: frozenset({Perm.VIEW, Perm.APPROVE_PAYMENTS}),
    Role.READ_ONLY: frozenset({Perm.VIEW}),
}

# Who receives notifications addressed to "the company's administrators".
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.ACCOUNTANT})


def perms_for(roles) -> frozenset[Perm]:
    out: set[Perm] = set()
    for role in roles:
        out |= ROLE_PERMS.get(role, frozenset())
    return frozenset(out)
