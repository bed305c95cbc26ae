"""Seed the DNB customer that matches the portal's demo company (idempotent).

"Demo Regnskap AS" has a basic subscription so that the first service order shows the
automatic upgrade to integrated online bank; "Demo Klient AS" is the accountant's second
client. Running it again leaves balances and agreements as they are.
"""

from django.core.management.base import BaseCommand

from banksim import services
from banksim.models import Account, Customer

DEMO_ORG = "123456785"
CLIENT_ORG = "987654325"
DRIFTSKONTO = "15032080119"
SKATTETREKK = "15032080127"
CLIENT_ACCOUNT = "15032080135"
KID_PAYEE = "86011117947"  # a supplier that only accepts KID payments


class Command(BaseCommand):
    help = "Create the simulated DNB customers matching the portal's demo data (idempotent)."

    def handle(self, *args, **options):
        services.process_due()
        fresh = not Customer.objects.filter(org_number=DEMO_ORG).exists()
        demo = {
            "org_number": DEMO_ORG,
            "name": "Demo Regnskap AS",
            "subscription": "basic",
            "dual_approval": False,
            "accounts": [
                {"number": DRIFTSKONTO, "name": "Driftskonto", "ocr": {"length": 9, "check": "MOD10"}},
                {"number": SKATTETREKK, "name": "Skattetrekk"},
            ],
            "users": [
                {
                    "user_id": "TB12345",
                    "name": "Demo Godkjenner",
                    "approval_accounts": [DRIFTSKONTO, SKATTETREKK],
                    "clients": [CLIENT_ORG],
                },
                {"user_id": "TB23456", "name": "Demo Leser", "approval_accounts": []},
            ],
        }
        client = {
            "org_number": CLIENT_ORG,
            "name": "Demo Klient AS",
            "subscription": "basic",
            "accounts": [{"number": CLIENT_ACCOUNT, "name": "Driftskonto"}],
            "users": [
                {"user_id": "TB34567", "name": "Klient Godkjenner", "approval_accounts": [CLIENT_ACCOUNT]}
            ],
        }
        if fresh:
            demo["accounts"][0]["balance"] = "250000.00"
            client["accounts"][0]["balance"] = "100000.00"
        if not Customer.objects.filter(org_number=CLIENT_ORG).exists():
            services.customer_upsert(client)
        services.customer_upsert(demo)
        services.kid_payee_add(KID_PAYEE, "Leverandør med KID-avtale")
        balance = Account.objects.get(number=DRIFTSKONTO).balance
        self.stdout.write(
            f"Demo Regnskap AS ({DEMO_ORG}): {DRIFTSKONTO} Driftskonto {balance}, {SKATTETREKK} Skattetrekk"
        )
