"""Demo data for a first run and for demos: two companies, their users and a month of data. Idempotent.

Demo passwords exist only here, never in settings.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from companies.models import Company
from companies.roles import Role
from companies.services import company_create, membership_grant, user_create, user_profile_update
from companies.support import support_group_sync
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


def _company(spec: dict) -> Company:
    return Company.objects.filter(org_number=spec["org_number"]).first() or company_create(**spec)


def _seed_bank_and_ledger(companies: dict[str, Company], approver) -> None:
    """Accounts, KID invoicing, customers, 50 open invoices and 20 open bills; idempotent.

    Each step checks what exists first and tops up with the bulk services, so a second run
    adds nothing and a first run stays fast.
    """
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import ApprovalAuthorisation, BankAccount
    from accounts.services import authorisation_create, bank_account_create
    from ledger import kid as kidrules
    from ledger.models import Bill, Customer, Invoice, Supplier
    from ledger.selectors import invoice_settings_get
    from ledger.services import (
        InvoiceSpec,
        bill_create,
        customers_create_bulk,
        invoice_settings_update,
        invoices_create_bulk,
        supplier_create,
    )

    main, client = companies["main"], companies["client"]
    accounts = [
        # company, number, name, ledger account, incoming payment methods
        (main, "15032080119", "Driftskonto", "1920", ["NETS_OCR"]),
        (main, "15032080127", "Skattetrekk", "1950", []),
        (client, "15032080135", "Driftskonto", "1920", []),
    ]
    for company, number, name, ledger, methods in accounts:
        if not BankAccount.objects.filter(company=company, account_number=number).exists():
            bank_account_create(
                company,
                account_number=number,
                name=name,
                ledger_account=ledger,
                incoming_payment_methods=methods,
            )
    operating = BankAccount.objects.get(company=main, account_number="15032080119")
    if not ApprovalAuthorisation.objects.filter(bank_account=operating, user=approver).exists():
        authorisation_create(main, bank_account_id=operating.pk, user_id=approver.pk)
    if not invoice_settings_get(main).kid_enabled:
        invoice_settings_update(
            main, kid_enabled=True, kid_length=9, kid_algorithm="MOD10", kid_customer_digits=3
        )

    if not Customer.objects.filter(company=main).exists():
        names = [
            "Fjellheim Bygg AS",
            "Havblikk Fisk AS",
            "Nordlys Kafé AS",
            "Solberg Elektro AS",
            "Vik Transport AS",
            "Berg & Sønn AS",
            "Lunde Regnskap AS",
            "Moen Maskin AS",
            "Dahl Design AS",
            "Strand Hotell AS",
        ]
        customers_create_bulk(main, [{"name": name} for name in names])
    customer_ids = list(Customer.objects.filter(company=main).order_by("number").values_list("pk", flat=True))
    missing = 50 - Invoice.objects.filter(company=main).count()
    if missing > 0:
        today = timezone.localdate()
        invoices_create_bulk(
            main,
            [
                InvoiceSpec(
                    customer_id=customer_ids[i % len(customer_ids)],
                    amount=Decimal(1250 + 375 * i) + Decimal("0.50") * (i % 2),
                    issue_date=today - datetime.timedelta(days=30 - i % 20),
                    due_date=today + datetime.timedelta(days=i % 20),
                    text=f"Konsulenttjenester {i + 1}",
                )
                for i in range(missing)
            ],
        )

    if not Supplier.objects.filter(company=main).exists():
        for name, account in [
            ("Kontorrekvisita AS", "86011117947"),
            ("Strøm Nord AS", "15032080143"),
            ("Renhold Vest AS", "12345678903"),
            ("IT-Drift AS", "60010112342"),
            ("Husleie Eiendom AS", "97101234561"),
        ]:
            from stdnum.no import kontonr

            if not kontonr.is_valid(account):  # demo numbers: make the check digit right
                body = account[:10]
                account = next(body + d for d in "0123456789" if kontonr.is_valid(body + d))
            supplier_create(main, name=name, account_number=account)
    supplier_ids = list(Supplier.objects.filter(company=main).order_by("number").values_list("pk", flat=True))
    existing = Bill.objects.filter(company=main).count()
    today = timezone.localdate()
    for i in range(existing, 20):
        reference = (
            {"kid": kidrules.generate(kidrules.Layout(10, kidrules.Algorithm.MOD10), 40000 + i)}
            if i % 2 == 0
            else {"message": f"Faktura {7000 + i}"}
        )
        bill_create(
            main,
            supplier_id=supplier_ids[i % len(supplier_ids)],
            amount=Decimal(480 + 215 * i) + Decimal("0.25") * (i % 4),
            issue_date=today - datetime.timedelta(days=10),
            due_date=today + datetime.timedelta(days=3 + i),
            supplier_invoice_number=str(7000 + i),
            **reference,
        )


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
        User.objects.get(username="demo-support").groups.add(support_group_sync())
        approver = User.objects.get(username="demo-approver")
        if not getattr(approver, "profile", None) or not approver.profile.national_id:
            # A synthetic test fødselsnummer (valid check digits, nobody's); the online-bank user id is the bank's TB12345.
            user_profile_update(
                user=approver, national_id="15108695088", bank_user_id="TB12345", mobile="+4791234567"
            )
        _seed_bank_and_ledger(companies, approver)
        # Each domain app may add its demo data in <app>/demo.py (in INSTALLED_APPS order).
        for app in apps.get_app_configs():
            if app.name in ("companies", "accounts", "ledger", "demo"):
                continue
            try:
                demo = importlib.import_module(f"{app.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.demo":
                    raise
                continue
            demo.seed(companies, self.stdout)
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
