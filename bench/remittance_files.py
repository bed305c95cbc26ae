"""Remittance figures (issue 7): pain.001 for 10,000 payments from the database, and a
pain.002 with 10,000 transaction statuses applied in a constant number of queries."""

from __future__ import annotations

import time

from bench.common import queries_and_seconds, ratio_at_most, test_database


def _batch_of(n: int, company, account):
    import secrets

    from django.utils import timezone

    from remittance.models import Payment, PaymentBatch
    from tests.remittance.isofiles import bban, kid_mod10

    day = timezone.localdate()
    token = secrets.token_hex(6).upper()
    batch = PaymentBatch.objects.create(
        company=company,
        bank_account=account,
        execution_date=day,
        approval_mode=PaymentBatch.ApprovalMode.RGB,
        msg_id=f"BENCH{token}",
        pmt_inf_id=f"BENCH{token}-1",
        status=PaymentBatch.Status.SUBMITTING,
        payment_count=n,
    )
    accounts = [bban(i, "1503") for i in range(1, 201)]
    Payment.objects.bulk_create(
        [
            Payment(
                company=company,
                bank_account=account,
                batch=batch,
                status=Payment.Status.SENT,
                creditor_name=f"Leverandør {i} AS",
                creditor_account=accounts[i % len(accounts)],
                amount=f"{100 + i}.{i % 100:02d}",
                kid=kid_mod10(i) if i % 2 else "",
                message="" if i % 2 else f"Faktura {i}",
                execution_date=day,
                requested_date=day,
                end_to_end_id=f"E{token}{i:07d}",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    return batch


def run(Row):
    from accounts.models import BankAccount, BankService, PaymentFileVersion
    from accounts.services import bank_account_create
    from companies.services import company_create
    from remittance import services
    from remittance.models import Payment
    from tests.remittance.isofiles import pain001_baseline, pain002_answering

    with test_database():
        company = company_create(name="Bench Remittering AS", org_number="123456785")
        account = bank_account_create(
            company, account_number="15032080119", name="Drift", ledger_account="1920"
        )
        # pain.001.001.03, as this row has always measured (pain001_v09 measures the 2019 version).
        BankAccount.objects.filter(pk=account.pk).update(
            services=[BankService.REMITTANCE], payment_file_version=PaymentFileVersion.V03
        )
        big = _batch_of(10_000, company, account)
        big = type(big).objects.select_related("company", "bank_account").get(pk=big.pk)
        services.payment_batch_build_file(big)  # XSD loaded once, as in a running worker
        build = base = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            xml = services.payment_batch_build_file(big)  # DB read + build + XSD + rules
            t1 = time.perf_counter()
            msg = services.payment_batch_message(big)
            t2 = time.perf_counter()
            pain001_baseline(msg)  # plain lxml, same transactions, from memory
            t3 = time.perf_counter()
            build, base = min(build, t1 - t0), min(base, t3 - t2)

        def apply(batch, xml_bytes):
            e2es = list(
                Payment.objects.filter(batch=batch).values_list("end_to_end_id", flat=True)[
                    :: max(1, batch.payment_count // 50)
                ]
            )
            answer = pain002_answering(xml_bytes, rejects=dict.fromkeys(e2es, "AC01"))
            return queries_and_seconds(lambda: services.payment_batch_apply_pain002(batch, answer))

        big_queries, big_seconds = apply(big, xml)
        small = _batch_of(100, company, account)
        small = type(small).objects.select_related("company", "bank_account").get(pk=small.pk)
        small_queries, _t = apply(small, services.payment_batch_build_file(small))
    return [
        ratio_at_most(
            "pain.001 for 10,000 payments: DB → XSD-valid bytes (build + validate)",
            f"{build:.3f} s",
            f"{base:.3f} s plain lxml from memory",
            build / base,
            3,
            target="ratio ≤ 3",
        ),
        Row(
            name="pain.002 with 10,000 transaction statuses applied (200 rejected)",
            figure=f"{big_seconds:.3f} s, {big_queries} queries",
            baseline=f"{small_queries} queries for 100 statuses",
            ratio=f"{big_queries / small_queries:.2f}" if small_queries else "-",
            target="≤ 2 s, constant queries",
            met=big_seconds <= 2 and big_queries <= small_queries + 2,
        ),
    ]
