"""Why an entry stayed unmatched: stored by the automatic matcher, cleared by a match, shown to people."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import translation

from accounts.services import bank_account_create
from bankint.formatting import amount
from bankint.stored_text import render
from ledger.models import ReferenceKind, VoucherLine
from ledger.services import LineSpec, voucher_post
from reconciliation import matching
from reconciliation.models import StatementEntry, StatementFile
from reconciliation.services import (
    automatch,
    bank_account_reconcile,
    entries_match,
    match_undo,
    statement_file_import,
    unmatched_reason_text,
)
from tests.reconciliation.camtgen import FileSpec, StatementSpec, camt053_bytes, simple_statement
from tests.reconciliation.test_api import ledger_line, upload, url
from tests.reconciliation.test_import import ACCOUNT, DAY, credit

pytestmark = pytest.mark.django_db
UPLOAD = StatementFile.Source.UPLOAD
NO_LINE_7 = "No open ledger line of 7.00 within ±3 banking days and no known reference."
TWO_LINES_500_NB = "2 åpne hovedbokslinjer på 500,00 innenfor ±3 bankdager; velg én manuelt."


@pytest.fixture
def account(company_a):
    return bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")


def reasons():
    return {
        ref: render(why)
        for ref, why in StatementEntry.objects.values_list("acct_svcr_ref", "unmatched_reason")
    }


def kid_line(company, account, amount, kid):
    voucher = voucher_post(
        company,
        date=DAY,
        text="Innbetaling",
        lines=[
            LineSpec(
                "1920", Decimal(amount), bank_account=account, reference_kind=ReferenceKind.KID, reference=kid
            ),
            LineSpec("1500", -Decimal(amount)),
        ],
    )
    return VoucherLine.objects.get(voucher=voucher, ledger_account="1920")


def test_two_candidate_lines_leave_a_reason_that_says_so_in_norwegian(company_a, account):
    ledger_line(company_a, account, "500.00")
    ledger_line(company_a, account, "500.00")
    with translation.override("nb"):
        result = statement_file_import(company_a, simple_statement([credit("500.00", "R1")]), source=UPLOAD)
    assert result.outcome == "imported" and result.matched == 0
    entry = StatementEntry.objects.get(acct_svcr_ref="R1")
    assert entry.status == StatementEntry.Status.UNMATCHED
    with translation.override("nb"):
        assert render(entry.unmatched_reason) == TWO_LINES_500_NB


def test_an_entry_without_candidate_keeps_its_reason_and_a_matched_one_has_none(company_a, account):
    ledger_line(company_a, account, "100.00")
    data = simple_statement([credit("100.00", "R1"), credit("7.00", "R2")])
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.matched == 1
    assert reasons() == {"R1": "", "R2": NO_LINE_7}


def test_two_open_lines_with_the_entry_kid_name_the_kid(company_a, account):
    kid_line(company_a, account, "100.00", "0000000018")
    kid_line(company_a, account, "100.00", "0000000018")
    statement_file_import(
        company_a, simple_statement([credit("100.00", "R1", kid="0000000018")]), source=UPLOAD
    )
    assert reasons() == {"R1": "2 open ledger lines carry the reference 0000000018; choose one by hand."}


def test_a_later_run_rewords_the_reason_and_a_match_by_hand_clears_it(company_a, account):
    statement_file_import(company_a, simple_statement([credit("500.00", "R1")]), source=UPLOAD)
    assert reasons() == {"R1": "No open ledger line of 500.00 within ±3 banking days and no known reference."}
    # The entry is in its table now: the next run updates its reason in place.
    first = ledger_line(company_a, account, "500.00")
    ledger_line(company_a, account, "500.00")
    with translation.override("nb"):
        report = bank_account_reconcile(account)
    assert report.matched_entries == 0
    with translation.override("nb"):
        assert reasons() == {"R1": TWO_LINES_500_NB}

    entry = StatementEntry.objects.get(acct_svcr_ref="R1")
    match = entries_match(company_a, [entry.pk], [first.pk])
    entry.refresh_from_db()
    assert entry.status == StatementEntry.Status.MATCHED and entry.unmatched_reason == ""

    # Unmatched by a person: no reason until the matcher looks at it again.
    match_undo(company_a, match)
    entry.refresh_from_db()
    assert entry.status == StatementEntry.Status.UNMATCHED and entry.unmatched_reason == ""
    bank_account_reconcile(account)
    assert reasons() == {"R1": "2 open ledger lines of 500.00 within ±3 banking days; choose one by hand."}


def test_an_automatic_match_of_a_stored_entry_clears_its_reason(company_a, account):
    statement_file_import(company_a, simple_statement([credit("7.00", "R1")]), source=UPLOAD)
    assert reasons() == {"R1": NO_LINE_7}
    ledger_line(company_a, account, "7.00")
    assert bank_account_reconcile(account).matched_entries == 1
    entry = StatementEntry.objects.get()
    assert (entry.status, entry.matched_rule, entry.unmatched_reason) == ("MATCHED", "AMOUNT_DATE", "")


def test_a_later_import_matches_an_old_entry_and_clears_its_reason(company_a, account):
    # R1 stays open with its reason; a later file's import matches it (an old entry, in the table)
    # and leaves its own new entry with a reason.
    statement_file_import(
        company_a, simple_statement([credit("7.00", "R1")], statement_id="A"), source=UPLOAD
    )
    ledger_line(company_a, account, "7.00")
    later = simple_statement([credit("9.00", "R2", day=DAY + timedelta(days=1))], statement_id="B")
    result = statement_file_import(company_a, later, source=UPLOAD)
    assert result.matched == 1
    assert reasons() == {
        "R1": "",
        "R2": "No open ledger line of 9.00 within ±3 banking days and no known reference.",
    }


def test_a_failed_automatic_match_leaves_no_reasons_behind(company_a, account, monkeypatch):
    second = bank_account_create(company_a, account_number="15032080119", name="Skatt", ledger_account="1950")
    original = automatch.reconcile

    def reconcile(bank_account, sink=None):
        report = original(bank_account, sink)
        if bank_account.pk == second.pk:  # as if someone had matched a line by hand meanwhile
            raise IntegrityError("duplicate key value violates unique constraint")
        return report

    monkeypatch.setattr(automatch, "reconcile", reconcile)
    data = camt053_bytes(
        FileSpec(
            [
                StatementSpec("S1", DAY, DAY, entries=[credit("7.00", "R1")]),
                StatementSpec("S2", DAY, DAY, account="15032080119", entries=[credit("8.00", "R2")]),
            ]
        )
    )
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "imported" and result.matched == 0
    assert reasons() == {"R1": "", "R2": ""}


def test_the_api_shows_the_reason_read_only(api_for, admin_a, company_a, account):
    ledger_line(company_a, account, "500.00")
    ledger_line(company_a, account, "500.00")
    client = api_for(admin_a)
    assert upload(client, company_a, simple_statement([credit("500.00", "R1")])).status_code == 201
    body = client.get(url(company_a, "statement-entries/?status=unmatched")).json()
    (row,) = body["results"]
    assert row["unmatched_reason"] == TWO_LINES_500_NB
    changed = client.patch(
        url(company_a, f"statement-entries/{row['id']}/"), {"unmatched_reason": "x"}, format="json"
    )
    assert changed.status_code in (403, 405)
    with translation.override("nb"):
        assert render(StatementEntry.objects.get(pk=row["id"]).unmatched_reason) == TWO_LINES_500_NB


def test_the_matching_screen_and_the_admin_show_the_reason(client, admin_a, admin_client, company_a, account):
    ledger_line(company_a, account, "500.00")
    ledger_line(company_a, account, "500.00")
    with translation.override("nb"):
        statement_file_import(company_a, simple_statement([credit("500.00", "R1")]), source=UPLOAD)
    entry = StatementEntry.objects.get()
    client.force_login(admin_a)
    page = client.get(f"/reconciliation/matching/?account={account.pk}").content.decode()
    assert f'data-testid="reason-{entry.pk}">{TWO_LINES_500_NB}<' in page
    admin_page = admin_client.get(f"/admin/reconciliation/statemententry/{entry.pk}/change/")
    assert admin_page.status_code == 200 and TWO_LINES_500_NB in admin_page.content.decode()


SAMPLE_PARAMS = {
    matching.Why.REFERENCE_AMBIGUOUS: {"rule": "REFERENCE", "count": 2, "reference": "0000000018"},
    matching.Why.REFERENCE_PARTIAL: {"rule": "E2E", "found": 1, "wanted": 2, "missing": "E2E-9"},
    matching.Why.REFERENCE_SUM: {
        "rule": "E2E",
        "total": Decimal("-500.00"),
        "amount": Decimal("-499.00"),
        "charges": Decimal("0.00"),
    },
    matching.Why.OCR_TOTAL: {"reference": "A1", "total": Decimal("500.00"), "amount": Decimal("499.00")},
    matching.Why.AMOUNT_DATE_AMBIGUOUS: {"count": 2, "amount": Decimal("700.00"), "window": 3},
    matching.Why.AMOUNT_DATE_SHARED: {"amount": Decimal("700.00"), "window": 3},
    matching.Why.REVERSAL: {},
    matching.Why.BATCH_CHARGES: {},
    matching.Why.NO_CANDIDATE: {"amount": Decimal("700.00"), "window": 3},
}


@pytest.mark.parametrize("code", list(matching.Why))
def test_every_reason_code_has_a_norwegian_wording(code):
    unmatched = matching.Unmatched(1, "english", code, tuple(SAMPLE_PARAMS[code].items()))
    with translation.override("nb"):
        norwegian = render(unmatched_reason_text(unmatched))
    with translation.override("en"):
        english = render(unmatched_reason_text(unmatched))
    assert norwegian and norwegian != english and "%(" not in norwegian and len(norwegian) <= 200
    for name, value in SAMPLE_PARAMS[code].items():
        if name not in ("rule", "charges"):  # the rule is implied; no charges are not mentioned
            with translation.override("nb"):
                shown = amount(value) if isinstance(value, Decimal) else str(value)
            assert shown in norwegian


def test_a_sum_with_charges_names_the_charges():
    unmatched = matching.Unmatched(
        1,
        "english",
        matching.Why.REFERENCE_SUM,
        (
            ("rule", "E2E"),
            ("total", Decimal("-500.00")),
            ("amount", Decimal("-520.00")),
            ("charges", Decimal("20.00")),
        ),
    )
    assert "with 20.00 in charges" in render(unmatched_reason_text(unmatched))


def test_a_reason_without_code_falls_back_to_the_matcher_text():
    assert render(unmatched_reason_text(matching.Unmatched(1, "x" * 300))) == "x" * 200
