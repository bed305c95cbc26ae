"""Importing camt.053 files: idempotency per file and per entry, rejections, balance checks, auto-match."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import bank_account_create
from bankint.intake import REJECTED_KEEP_BYTES, Received
from bankint.stored_text import render
from companies.models import AuditEvent
from ledger.models import ReferenceKind, Voucher, VoucherLine
from ledger.services import LineSpec, voucher_post
from notifications.models import Notification
from reconciliation.models import Match, Statement, StatementEntry, StatementFile
from reconciliation.services import importing, statement_file_import
from tests.reconciliation.camtgen import (
    EntrySpec,
    FileSpec,
    StatementSpec,
    TxSpec,
    camt053_bytes,
    norwegian_iban,
    simple_statement,
)

pytestmark = pytest.mark.django_db
ACCOUNT = "86011117947"
DAY = date(2025, 3, 4)
UPLOAD = StatementFile.Source.UPLOAD


@pytest.fixture
def account(company_a):
    return bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")


def credit(amount, ref, *, kid=None, day=DAY, ustrd=None, e2e=None):
    return EntrySpec(
        amount=Decimal(amount),
        booking_date=day,
        value_date=day,
        acct_svcr_ref=ref,
        txs=[
            TxSpec(
                amount=Decimal(amount), kid=kid, ustrd=ustrd, end_to_end_id=e2e, counterparty_name="Kari AS"
            )
        ],
    )


def debit(amount, ref, *, e2e=None, day=DAY, charge=False):
    return EntrySpec(
        amount=Decimal(amount),
        credit_debit="DBIT",
        booking_date=day,
        acct_svcr_ref=ref,
        domain=("ACMT", "MDOP", "CHRG") if charge else ("PMNT", "ICDT", "DMCT"),
        txs=[] if charge else [TxSpec(amount=Decimal(amount), end_to_end_id=e2e)],
        additional_info="Gebyr" if charge else None,
    )


def test_import_stores_file_statement_and_entries(company_a, account):
    data = simple_statement([credit("100.00", "R1", kid="0000000018"), debit("40.50", "R2", e2e="E2E-1")])
    result = statement_file_import(company_a, data, source=UPLOAD, filename="a.xml")
    assert result.outcome == "imported", result.message
    assert (result.new, result.existing) == (2, 0)
    file = result.file
    assert file.status == StatementFile.Status.IMPORTED
    stored = StatementFile.objects.get(pk=file.pk)
    assert bytes(stored.data) == data and stored.size == len(data) and len(stored.sha256) == 64
    statement = Statement.objects.get(file=file)
    assert statement.balance_ok and statement.entries_count == 2
    assert statement.closing_balance == Decimal("10059.50")
    entries = {e.acct_svcr_ref: e for e in StatementEntry.objects.filter(bank_account=account)}
    assert entries["R1"].amount == Decimal("100.00") and entries["R1"].kids == ["0000000018"]
    assert entries["R1"].counterparty_name == "Kari AS"
    assert entries["R2"].amount == Decimal("-40.50") and entries["R2"].end_to_end_ids == ["E2E-1"]
    assert AuditEvent.objects.filter(action="statement_file.import", object_id=str(file.pk)).count() == 1


def test_same_file_twice_is_a_duplicate_with_no_new_rows(company_a, account):
    data = simple_statement([credit("100.00", "R1")])
    first = statement_file_import(company_a, data, source=UPLOAD)
    second = statement_file_import(company_a, data, source=UPLOAD)
    assert second.outcome == "duplicate" and second.new == 0
    assert f"#{first.file.pk}" in second.message
    assert StatementFile.objects.count() == 1 and StatementEntry.objects.count() == 1


def test_overlapping_files_import_each_entry_once_and_count_the_rest(company_a, account):
    first = simple_statement([credit("100.00", "R1"), credit("200.00", "R2")], statement_id="S1")
    # A later export repeating R2 (and a regenerated header: new bytes, same bookings).
    second = simple_statement([credit("200.00", "R2"), credit("300.00", "R3")], statement_id="S1")
    statement_file_import(company_a, first, source=UPLOAD)
    result = statement_file_import(company_a, second, source=UPLOAD)
    assert result.outcome == "imported"
    assert (result.new, result.existing) == (1, 1)
    assert "1 were already imported" in result.message
    assert sorted(StatementEntry.objects.values_list("acct_svcr_ref", flat=True)) == ["R1", "R2", "R3"]


def test_entries_without_bank_reference_are_deduplicated_by_hash(company_a, account):
    same = [
        EntrySpec(amount=Decimal("50.00"), booking_date=DAY, txs=[TxSpec(amount=Decimal("50.00"), ustrd="x")])
    ]
    twice = same * 2  # two genuinely identical payments on one day stay two rows
    statement_file_import(company_a, simple_statement(twice, statement_id="A"), source=UPLOAD)
    result = statement_file_import(company_a, simple_statement(twice, statement_id="B"), source=UPLOAD)
    assert (result.new, result.existing) == (0, 2)
    assert StatementEntry.objects.count() == 2


def test_unknown_account_is_rejected_with_the_account_number(company_a, account):
    data = simple_statement([credit("1.00", "R1")], account="15032080119")
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "rejected"
    assert "15032080119" in result.message and "not a registered account" in result.message
    assert result.file.status == StatementFile.Status.REJECTED
    assert bytes(StatementFile.objects.get(pk=result.file.pk).data) == data
    assert StatementEntry.objects.count() == 0 and Statement.objects.count() == 0


def test_rejected_file_can_be_imported_after_registering_the_account(company_a, account):
    data = simple_statement([credit("1.00", "R1")], account="15032080119")
    assert statement_file_import(company_a, data, source=UPLOAD).outcome == "rejected"
    bank_account_create(company_a, account_number="15032080119", name="Ny", ledger_account="1950")
    again = statement_file_import(company_a, data, source=UPLOAD)
    assert again.outcome == "imported" and again.new == 1
    assert StatementFile.objects.count() == 1


def test_iban_account_is_recognised(company_a, account):
    data = simple_statement([credit("1.00", "R1")], iban=True)
    assert norwegian_iban(ACCOUNT).encode() in data
    assert statement_file_import(company_a, data, source=UPLOAD).outcome == "imported"


def test_balance_mismatch_is_imported_flagged_and_notified(company_a, account):
    data = simple_statement([credit("100.00", "R1")], closing=Decimal("10099.00"))
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "imported" and result.new == 1
    statement = Statement.objects.get()
    assert not statement.balance_ok and statement.balance_difference == Decimal("-1.00")
    note = Notification.objects.get(company=company_a, level=Notification.Level.ERROR)
    assert "does not add up" in note.title_text and "-1.00" in note.body_text
    assert "do not add up" in result.message


def test_zero_entries_file_keeps_the_balances(company_a, account):
    result = statement_file_import(company_a, simple_statement([], opening=Decimal("5.00")), source=UPLOAD)
    assert result.outcome == "imported" and result.new == 0
    statement = Statement.objects.get()
    assert statement.closing_balance == Decimal("5.00") and statement.balance_ok


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"this is not xml", "not well-formed"),
        (b"", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<Document>&lol2;</Document>",
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Document>&xxe;</Document>',
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
            b"<BkToCstmrDbtCdtNtfctn/></Document>",
            "camt.054",
        ),
        (
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
            b"<CstmrCdtTrfInitn/></Document>",
            "pain.001",
        ),
    ],
    ids=["not-xml", "empty", "billion-laughs", "external-entity", "camt054", "pain001"],
)
def test_bad_files_are_rejected_with_a_clear_reason(company_a, account, data, expected):
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "rejected"
    assert expected in result.message
    assert StatementEntry.objects.count() == 0


def test_truncated_file_is_rejected_and_nothing_is_kept(company_a, account):
    data = simple_statement([credit("1.00", f"R{i}") for i in range(50)])
    result = statement_file_import(company_a, data[: len(data) * 2 // 3], source=UPLOAD)
    assert result.outcome == "rejected" and "element" in result.message
    assert StatementEntry.objects.count() == 0 and Statement.objects.count() == 0


def test_more_than_two_decimals_is_rejected(company_a, account):
    entry = credit("1.00", "R1")
    entry.amount_text = "1.005"
    result = statement_file_import(company_a, simple_statement([entry]), source=UPLOAD)
    assert result.outcome == "rejected"
    assert "1.005" in result.message or "decimal" in result.message.lower()


def test_import_runs_in_constant_queries_per_batch(company_a, account):
    def queries(n):
        data = simple_statement([credit("1.00", f"Q{n}-{i}") for i in range(n)], statement_id=f"S{n}")
        with CaptureQueriesContext(connection) as ctx:
            assert statement_file_import(company_a, data, source=UPLOAD).new == n
        # The entries go into their table with one INSERT … SELECT from the staging table,
        # whatever their number: counted apart from the rest.
        inserts = [
            q["sql"]
            for q in ctx.captured_queries
            if q["sql"].startswith("INSERT") and '"reconciliation_statemententry"' in q["sql"][:60]
        ]
        return len(ctx) - len(inserts), len(inserts)

    queries(1)  # an entry left open before: both imports below refresh its reason (one UPDATE)
    small, large = queries(5), queries(300)
    assert small[0] == large[0]
    assert small[1] == large[1] == 1


def test_auto_match_by_end_to_end_id_kid_and_fee(company_a, account):
    voucher_post(
        company_a,
        date=DAY,
        text="Betaling",
        lines=[
            LineSpec("2400", Decimal("40.50")),
            LineSpec(
                "1920",
                Decimal("-40.50"),
                bank_account=account,
                reference_kind=ReferenceKind.E2E,
                reference="E2E-1",
            ),
        ],
    )
    voucher_post(
        company_a,
        date=DAY,
        text="Innbetaling",
        lines=[
            LineSpec(
                "1920",
                Decimal("100.00"),
                bank_account=account,
                reference_kind=ReferenceKind.KID,
                reference="0000000018",
            ),
            LineSpec("1500", Decimal("-100.00")),
        ],
    )
    data = simple_statement(
        [
            credit("100.00", "R1", kid="0000000018"),
            debit("40.50", "R2", e2e="E2E-1"),
            debit("45.00", "R3", charge=True),
            credit("7.00", "R4"),
        ]
    )
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.matched == 3
    rules = dict(StatementEntry.objects.values_list("acct_svcr_ref", "matched_rule"))
    assert rules == {"R1": "REFERENCE", "R2": "E2E", "R3": "FEE", "R4": ""}
    fee = Match.objects.get(rule="FEE")
    assert fee.voucher is not None and fee.amount == Decimal("-45.00")
    fee_lines = dict(VoucherLine.objects.filter(voucher=fee.voucher).values_list("ledger_account", "amount"))
    assert fee_lines == {"1920": Decimal("-45.00"), "7770": Decimal("45.00")}
    assert VoucherLine.objects.filter(ledger_account="1920", open_entry__isnull=True).count() == 3
    assert StatementEntry.objects.get(acct_svcr_ref="R4").status == StatementEntry.Status.UNMATCHED


def test_mismatched_statement_is_not_auto_matched(company_a, account):
    voucher_post(
        company_a,
        date=DAY,
        text="Betaling",
        lines=[
            LineSpec("2400", Decimal("40.50")),
            LineSpec(
                "1920",
                Decimal("-40.50"),
                bank_account=account,
                reference_kind=ReferenceKind.E2E,
                reference="E2E-1",
            ),
        ],
    )
    data = simple_statement([debit("40.50", "R2", e2e="E2E-1")], closing=Decimal("1.00"))
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "imported" and result.matched == 0
    assert StatementEntry.objects.get().status == StatementEntry.Status.UNMATCHED


def test_several_statements_and_itbd_balances(company_a, account):
    spec = FileSpec(
        [
            StatementSpec(
                statement_id="D1",
                from_date=DAY,
                to_date=DAY,
                entries=[credit("1.00", "A")],
                electronic_seq_nb=1,
            ),
            StatementSpec(
                statement_id="D2",
                from_date=date(2025, 3, 5),
                to_date=date(2025, 3, 5),
                opening=Decimal("10001.00"),
                balance_codes=("PRCD", "ITBD"),
                entries=[],
                electronic_seq_nb=2,
            ),
        ]
    )
    result = statement_file_import(company_a, camt053_bytes(spec), source=UPLOAD)
    assert result.outcome == "imported"
    assert Statement.objects.filter(file=result.file).count() == 2
    assert result.file.statements_count == 2


def test_batch_booking_with_charges_matches_payments_and_posts_the_fee(company_a, account):
    # One debit of 1,502.50 for two payments (1,000.00 + 500.00) and 2.50 in charges.
    for e2e, amount in (("B-1", "1000.00"), ("B-2", "500.00")):
        voucher_post(
            company_a,
            date=DAY,
            text="Betaling",
            lines=[
                LineSpec("2400", Decimal(amount)),
                LineSpec(
                    "1920",
                    -Decimal(amount),
                    bank_account=account,
                    reference_kind=ReferenceKind.E2E,
                    reference=e2e,
                ),
            ],
        )
    batch = EntrySpec(
        amount=Decimal("1502.50"),
        credit_debit="DBIT",
        booking_date=DAY,
        acct_svcr_ref="BATCH-1",
        domain=("PMNT", "ICDT", "DMCT"),
        batch=("PMTINF-1", 2),
        txs=[
            TxSpec(amount=Decimal("1000.00"), end_to_end_id="B-1"),
            TxSpec(amount=Decimal("500.00"), end_to_end_id="B-2"),
        ],
    )
    result = statement_file_import(company_a, simple_statement([batch]), source=UPLOAD)
    assert result.matched == 1
    match = Match.objects.get()
    assert match.rule == "E2E" and match.amount == Decimal("-1502.50")
    lines = VoucherLine.objects.filter(pk__in=match.line_links.values("voucher_line_id"))
    assert sum(line.amount for line in lines) == Decimal("-1502.50")
    fee = dict(VoucherLine.objects.filter(voucher=match.voucher).values_list("ledger_account", "amount"))
    assert fee == {"1920": Decimal("-2.50"), "7770": Decimal("2.50")}


def test_latin1_file_with_dttm_booking_and_no_value_date(company_a, account):
    from datetime import datetime

    entry = EntrySpec(
        amount=Decimal("75.00"),
        booking_date=DAY,
        booking_datetime=datetime(2025, 3, 4, 10, 15),
        acct_svcr_ref="L1",
        txs=[TxSpec(amount=Decimal("75.00"), ustrd="Blåbærsyltetøy", counterparty_name="Ærlig Øl AS")],
    )
    data = simple_statement([entry], encoding="ISO-8859-1")
    assert b"ISO-8859-1" in data[:60]
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "imported", result.message
    row = StatementEntry.objects.get()
    assert row.booking_date == DAY and row.value_date is None
    assert row.counterparty_name == "Ærlig Øl AS" and "Blåbærsyltetøy" in row.text


def test_rejected_bank_file_is_notified(company_a, account):
    data = simple_statement([credit("1.00", "R1")], account="15032080119")
    result = statement_file_import(company_a, data, source=StatementFile.Source.BANK, bank_statement_id="77")
    assert result.outcome == "rejected"
    note = Notification.objects.get(company=company_a, level=Notification.Level.ERROR)
    assert "15032080119" in note.body_text and "import the file again" in note.body_text


def test_reversal_is_left_for_a_person(company_a, account):
    voucher_post(
        company_a,
        date=DAY,
        text="Innbetaling",
        lines=[LineSpec("1920", Decimal("80.00"), bank_account=account), LineSpec("1500", Decimal("-80.00"))],
    )
    reversal = EntrySpec(
        amount=Decimal("80.00"),
        credit_debit="DBIT",
        reversal=True,
        booking_date=DAY,
        acct_svcr_ref="RV1",
        txs=[TxSpec(amount=Decimal("80.00"))],
    )
    result = statement_file_import(
        company_a, simple_statement([credit("80.00", "C1"), reversal]), source=UPLOAD
    )
    statuses = dict(StatementEntry.objects.values_list("acct_svcr_ref", "status"))
    assert statuses == {"C1": "MATCHED", "RV1": "UNMATCHED"}
    assert result.matched == 1


def test_demo_seed_is_idempotent(company_a):
    import io

    from reconciliation import demo

    bank_account_create(company_a, account_number="15032080119", name="Drift", ledger_account="1920")
    demo.seed({"main": company_a}, io.StringIO())
    demo.seed({"main": company_a}, io.StringIO())
    assert StatementFile.objects.get().status == StatementFile.Status.IMPORTED
    assert StatementEntry.objects.count() == 10


def test_admin_shows_files_and_serves_the_raw_bytes(admin_client, company_a, account):
    data = simple_statement([credit("1.00", "R1")])
    file = statement_file_import(company_a, data, source=UPLOAD).file
    assert admin_client.get("/admin/reconciliation/statementfile/").status_code == 200
    assert admin_client.get(f"/admin/reconciliation/statementfile/{file.pk}/change/").status_code == 200
    raw = admin_client.get(f"/admin/reconciliation/statementfile/{file.pk}/raw/")
    assert raw.status_code == 200 and raw.content == data
    for model in ("statement", "statemententry", "match"):
        assert admin_client.get(f"/admin/reconciliation/{model}/").status_code == 200


def test_fees_of_a_day_share_one_voucher_and_each_matches_its_own_line(company_a, account):
    data = simple_statement([debit("45.00", "F1", charge=True), debit("12.00", "F2", charge=True)])
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.matched == 2
    fees = list(Match.objects.filter(rule="FEE").order_by("amount"))
    assert [m.amount for m in fees] == [Decimal("-45.00"), Decimal("-12.00")]
    assert fees[0].voucher_id == fees[1].voucher_id
    lines = VoucherLine.objects.filter(voucher_id=fees[0].voucher_id)
    assert sorted((line.ledger_account, line.amount) for line in lines) == [
        ("1920", Decimal("-45.00")),
        ("1920", Decimal("-12.00")),
        ("7770", Decimal("57.00")),
    ]
    for match in fees:
        (link,) = match.line_links.all()
        assert VoucherLine.objects.get(pk=link.voucher_line_id).amount == match.amount


def test_raw_bytes_larger_than_one_chunk_are_stored_whole(company_a, account, monkeypatch):
    monkeypatch.setattr(Received, "chunk_size", 1000)
    data = simple_statement([credit("1.00", f"R{i}") for i in range(20)])
    assert len(data) > 5000
    file = statement_file_import(company_a, data, source=UPLOAD).file
    assert bytes(StatementFile.objects.get(pk=file.pk).data) == data


def test_a_path_or_a_file_is_read_in_pieces_and_stored_whole(company_a, account, tmp_path, monkeypatch):
    monkeypatch.setattr(Received, "chunk_size", 1000)  # several pieces even for a small file
    data = simple_statement([credit(f"{i}.00", f"R{i}") for i in range(1, 40)])
    assert len(data) > 3000
    path = tmp_path / "camt.xml"
    path.write_bytes(data)
    result = statement_file_import(company_a, path, source=UPLOAD, filename="camt.xml")
    assert result.ok and result.new == 39, result.message
    stored = StatementFile.objects.get(pk=result.file.pk)
    assert bytes(stored.data) == data and stored.size == len(data)
    # The same bytes as an open file, or as bytes: the same file, a duplicate.
    with path.open("rb") as fh:
        fh.read(10)  # wherever the caller left it, the import reads from the start
        again = statement_file_import(company_a, fh, source=UPLOAD)
    assert again.outcome == "duplicate" and again.file.pk == result.file.pk
    assert statement_file_import(company_a, data, source=UPLOAD).outcome == "duplicate"


def test_a_bad_file_given_by_path_is_kept_with_its_reason(company_a, account, tmp_path):
    path = tmp_path / "bad.xml"
    data = simple_statement([credit("100.00", "R1")])[:-40]  # truncated
    path.write_bytes(data)
    result = statement_file_import(company_a, path, source=UPLOAD)
    assert result.outcome == "rejected" and result.file.reason == result.message
    assert bytes(StatementFile.objects.get(pk=result.file.pk).data) == data
    assert StatementEntry.objects.count() == 0


def _kid_payment(company, account, kid: str, amount: str) -> VoucherLine:
    """An incoming payment posted on the bank account with its KID (as an OCR or camt.054
    settlement posts it), waiting for the bank's statement."""
    voucher = voucher_post(
        company,
        date=DAY,
        text=f"Innbetaling {kid}",
        lines=[
            LineSpec(
                "1920", Decimal(amount), bank_account=account, reference_kind=ReferenceKind.KID, reference=kid
            ),
            LineSpec("1500", -Decimal(amount)),
        ],
    )
    return VoucherLine.objects.get(voucher=voucher, ledger_account="1920")


@pytest.mark.parametrize("parallel", [False, True], ids=["here", "parsing-process"])
def test_one_payment_with_several_kids_settles_all_their_lines(company_a, account, parallel, monkeypatch):
    # Issue 20 item 8: only the first CdtrRefInf/Ref was kept, so a payment for two invoices
    # matched neither (or the wrong sum).
    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0 if parallel else 10**12)
    lines = [
        _kid_payment(company_a, account, "0000000018", "100.00"),
        _kid_payment(company_a, account, "0000000026", "250.00"),
        _kid_payment(company_a, account, "0000000034", "40.00"),
    ]
    both = EntrySpec(
        amount=Decimal("350.00"),
        booking_date=DAY,
        acct_svcr_ref="R1",
        txs=[TxSpec(amount=Decimal("350.00"), kid=("0000000018", "0000000026"))],
    )
    # Two KIDs whose lines add up to 140.00, not the 150.00 booked: a person decides.
    short = EntrySpec(
        amount=Decimal("150.00"),
        booking_date=DAY,
        acct_svcr_ref="R2",
        txs=[TxSpec(amount=Decimal("150.00"), kid=("0000000034", "0000000042"))],
    )
    result = statement_file_import(company_a, simple_statement([both, short]), source=UPLOAD)
    assert result.outcome == "imported" and result.matched == 1, result.message
    entries = {e.acct_svcr_ref: e for e in StatementEntry.objects.all()}
    assert entries["R1"].kids == ["0000000018", "0000000026"]
    assert entries["R1"].matched_rule == "REFERENCE"
    match = entries["R1"].match
    assert set(match.line_links.values_list("voucher_line_id", flat=True)) == {lines[0].pk, lines[1].pk}
    assert match.amount == Decimal("350.00")
    assert entries["R2"].status == StatementEntry.Status.UNMATCHED
    assert entries["R2"].kids == ["0000000034", "0000000042"]
    assert "references" in render(entries["R2"].unmatched_reason)  # why, for the person who matches it


SPAREBANK_VISA = "VISA VARE *8012 07.07 USD 140.00 YOUCANBOOK.ME Kurs: 8.9275"


@pytest.mark.parametrize("parallel", [False, True], ids=["here", "parsing-process"])
def test_a_card_purchase_in_usd_keeps_its_usd_and_books_no_fee(company_a, account, parallel, monkeypatch):
    # Issue 20 item 7: TxDtls with only InstdAmt USD 140.00 on a NOK 1,249.85 debit was stored
    # as 140.00 without currency, and NOK 1,109.85 was posted to the fee account.
    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0 if parallel else 10**12)
    purchase = EntrySpec(
        amount=Decimal("1249.85"),
        credit_debit="DBIT",
        booking_date=DAY,
        acct_svcr_ref="50001685147",
        domain=("PMNT", "CCRD", "POSD"),
        txs=[
            TxSpec(
                foreign=(Decimal("140.00"), "USD"),
                exchange=("USD", "NOK", Decimal("8.9275")),
                additional_info=SPAREBANK_VISA,
            )
        ],
    )
    result = statement_file_import(company_a, simple_statement([purchase]), source=UPLOAD)
    assert result.outcome == "imported", result.message
    entry = StatementEntry.objects.get()
    assert (entry.amount, entry.currency, entry.charges) == (Decimal("-1249.85"), "NOK", Decimal("0.00"))
    assert entry.foreign_amounts == [
        {"amount": "140.00", "currency": "USD", "rate": "8.9275", "source": "USD", "target": "NOK"}
    ]
    assert SPAREBANK_VISA in entry.text
    assert not Match.objects.filter(rule="FEE").exists()
    assert not Voucher.objects.filter(lines__ledger_account="7770").exists()
    assert entry.status == StatementEntry.Status.UNMATCHED  # a person posts the purchase


def test_a_big_rejected_file_keeps_its_head_size_and_hash_not_all_of_it(company_a, account, tmp_path):
    """Was a gap: a 150 MB garbage upload was stored whole (157 MB in PostgreSQL)."""
    import hashlib

    garbage = b"<Document>" + b"x" * (5 * 1024 * 1024)  # 5 MB of not-a-statement
    path = tmp_path / "garbage.xml"
    path.write_bytes(garbage)
    result = statement_file_import(company_a, str(path), source=UPLOAD, filename="garbage.xml")
    assert result.outcome == "rejected"
    file = StatementFile.objects.get()
    assert file.size == len(garbage) and file.sha256 == hashlib.sha256(garbage).hexdigest()
    assert bytes(file.data) == garbage[:REJECTED_KEEP_BYTES]


def test_an_upload_is_read_from_disk_not_into_memory(company_a, account, admin_a, client, monkeypatch):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    read_whole = []
    real_read = TemporaryUploadedFile.read
    monkeypatch.setattr(
        TemporaryUploadedFile, "read", lambda self, *a: read_whole.append(a) or real_read(self, *a)
    )
    client.force_login(admin_a)
    data = simple_statement([credit("100.00", "R1")])
    padded = data.replace(b"</Document>", b"</Document>" + b" " * (3 * 1024 * 1024))  # spooled to disk
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/reconciliation/upload/", {"file": SimpleUploadedFile("s.xml", padded)})
    assert response.status_code in (200, 302)
    file = StatementFile.objects.get()
    assert file.status == "IMPORTED", file.reason
    assert () not in read_whole  # nobody called read() without a size on the upload


def test_a_statement_that_does_not_open_where_the_last_one_closed_is_notified(company_a, account):
    """Was a gap: each statement adding up on its own, a missing day in between went unnoticed."""
    first = simple_statement([credit("100.00", "R1")], opening=Decimal("1000.00"), closing=Decimal("1100.00"))
    assert statement_file_import(company_a, first, source=UPLOAD).outcome == "imported"
    assert not Notification.objects.filter(company=company_a, level="ERROR").exists()
    later = date(2025, 3, 6)
    # Opens at 1 150.00: a statement with +50.00 on 5 March is missing.
    second = simple_statement(
        [credit("20.00", "R2", day=later)],
        statement_id="STMT-2",
        opening=Decimal("1150.00"),
        closing=Decimal("1170.00"),
        from_date=later,
        to_date=later,
        electronic_seq_nb=2,
    )
    assert statement_file_import(company_a, second, source=UPLOAD).outcome == "imported"
    note = Notification.objects.get(company=company_a, level="ERROR")
    assert (
        "do not follow on" in note.title_text and "50.00" in note.body_text and "4 Mar 2025" in note.body_text
    )
