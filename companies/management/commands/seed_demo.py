"""Demo data for a first run and for demos (API.md "Demo data"). Idempotent.

Demo passwords exist only here, never in settings.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from companies.models import Company
from companies.roles import Role
from companies.services import company_create, membership_grant, user_create, user_profile_update
from notifications.services import notify

DEMO_PASSWORD = "bankint-demo-2026"  # demo data only: printed on start, never in settings
DEMO_COMPANY = {
    "name": "Demo Regnskap AS",
    "org_number": "123456785",
    "address_line": "Kaigaten 1",
    "postal_code": "5015",
    "city": "Bergen",
}
DEMO_CLIENT = {
    "name": "Demo Klient AS",
    "org_number": "987654325",
    "address_line": "Storgata 10",
    "postal_code": "0155",
    "city": "Oslo",
}

USERS = [
    # username, first, last, memberships [(company key, role)], staff
    ("demo-admin", "Siri", "Systemadministrator", [("main", Role.SYSADMIN)], False),
    (
        "demo-accountant",
        "Rune",
        "Regnskapsfører",
        [("main", Role.ACCOUNTANT), ("client", Role.ACCOUNTANT)],
        False,
    ),
    ("demo-approver", "Stian", "Stenstad", [("main", Role.APPROVER)], False),
    ("demo-readonly", "Lise", "Leser", [("main", Role.READ_ONLY)], False),
    ("demo-support", "Sam", "Support", [], True),
]
SUPPORT_MODELS = ["company", "membership", "userprofile", "auditevent", "notification"]


def _company(spec: dict) -> Company:
    return Company.objects.filter(org_number=spec["org_number"]).first() or company_create(**spec)


class Command(BaseCommand):
    help = "Create the demo companies, users and data (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        companies = {"main": _company(DEMO_COMPANY), "client": _company(DEMO_CLIENT)}
        for username, first, last, memberships, staff in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    email=f"{username}@demo.bankint.example",
                    first_name=first,
                    last_name=last,
                    is_staff=staff,
                )
            for key, role in memberships:
                membership_grant(company=companies[key], user=user, role=role)
        support = Group.objects.get_or_create(name="Support")[0]
        support.permissions.set(
            Permission.objects.filter(
                codename__in=[f"view_{m}" for m in SUPPORT_MODELS] + ["change_notification"]
            )
        )
        User.objects.get(username="demo-support").groups.add(support)
        approver = User.objects.get(username="demo-approver")
        if not getattr(approver, "profile", None) or not approver.profile.national_id:
            # A test fødselsnummer (DOMAIN.md §4); the online-bank user id is the bank's TB12345.
            user_profile_update(
                user=approver, national_id="15108695088", bank_user_id="TB12345", mobile="+4791234567"
            )
        for company in companies.values():
            notify(
                company,
                title="Velkommen til bankint",
                body="Registrer bankkontoene under Innstillinger › Bankkontoer, og koble til DNB under Avtaler.",
                link="/settings/bank-accounts/",
                dedup_key="demo-welcome",
            )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Log in at /accounts/login/ with password {DEMO_PASSWORD}:")
        for username, *_rest in USERS:
            self.stdout.write(f"    {username}")
