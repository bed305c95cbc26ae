"""Every real camt.054 file of the corpus through the portal's reader (and its service), with the
outcome ``camt054.toml`` asserts: its counts, sums and Oslo booking dates, or a refusal that says
in nb and en what the file is and what the portal reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from bankint.errors import BankFileRejected, reason_of
from iso20022.camt054 import parse_camt054
from iso20022.errors import IsoFormatError
from notifications.models import Notification
from remittance import services as s
from remittance.models import Payment, PaymentBatch
from tests.corpus.conftest import assert_manifest_covers, corpus_cases, corpus_file, load_manifest
from tests.remittance.conftest import make_setup
from tests.remittance.test_flows import _batch, _pay

FOLDER = "iso20022/camt.054"
KIND = "camt054"


@pytest.mark.parametrize(("name", "spec"), corpus_cases(KIND))
def test_each_file_has_its_outcome(name, spec):
    data = corpus_file(FOLDER, name, spec)
    if spec["outcome"] == "refused":
        with pytest.raises(IsoFormatError) as refused:
            parse_camt054(data)
        assert spec["message"] in str(refused.value)
        with translation.override("nb"):
            assert spec["message_nb"] in reason_of(refused.value)
        with translation.override("en"):
            assert spec["message"] in reason_of(refused.value)
        return
    assert spec["outcome"] == "imported"
    report = parse_camt054(data)
    entries = [e for n in report.notifications for e in n.entries]
    txs = [tx for _n, _e, tx in report.transactions()]
    assert len(report.notifications) == spec["notifications"]
    assert (len(entries), len(txs)) == (spec["entries"], spec["transactions"])
    assert {e.currency for e in entries} | {tx.currency for tx in txs} == {spec["currency"]}
    credit = sum((e.amount for e in entries if e.credit_debit == "CRDT"), Decimal(0))
    debit = sum((e.amount for e in entries if e.credit_debit == "DBIT"), Decimal(0))
    assert (credit, debit) == (Decimal(spec["credit_total"]), Decimal(spec["debit_total"]))
    assert sum((tx.amount for tx in txs), Decimal(0)) == Decimal(spec["transaction_total"])
    assert [e.booking_date.isoformat() if e.booking_date else "" for e in entries] == spec["booking_dates"]
    assert all(isinstance(e.booking_date, date | None) for e in entries)
    (ntf,) = report.notifications
    assert (ntf.account_iban or "", ntf.account_bban or "") == (spec["account_iban"], spec["account_bban"])
    assert [tx.end_to_end_id for tx in txs if tx.end_to_end_id] == spec["end_to_end_ids"]
    assert [tx.uetr for tx in txs if tx.uetr] == spec.get("uetrs", [])


def test_the_manifest_covers_the_folder():
    assert_manifest_covers(FOLDER, KIND)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_refused_version_is_refused_by_the_service_in_the_readers_language(company_a, make_user, language):
    # A version the portal does not read (camt.054.001.14, made of a real .08 file): named, with
    # the versions it reads.
    name = "genkgo__camt054.v8-with-UETR.xml"
    data = corpus_file(FOLDER, name, load_manifest(KIND)[name]).replace(
        b"camt.054.001.08", b"camt.054.001.14"
    )
    with translation.override(language), pytest.raises(BankFileRejected) as refused:
        s.payment_batch_book_camt054(company_a, data)
    words = {
        "nb": "Dette er en camt.054.001.14-fil; portalen leser denne meldingen bare i versjonene camt.054.001.02, "
        "camt.054.001.04, camt.054.001.08.",
        "en": "This is a camt.054.001.14 file; the portal reads this message only in the versions camt.054.001.02, "
        "camt.054.001.04, camt.054.001.08.",
    }[language]
    assert words in refused.value.message


@pytest.mark.django_db
def test_a_real_debit_for_one_of_our_payments_at_another_amount_is_not_booked(company_a, make_user):
    # genkgo's ISO-based file books SEK 200000 for EndToEndId MUELL/FINP/RA12345. Our payment
    # with that id is NOK 1000.00: the portal must not post NOK 1000.00 as if the bank agreed.
    name = "genkgo__camt054.v2.xml"
    spec = load_manifest(KIND)[name]
    data = corpus_file(FOLDER, name, spec)
    setup = make_setup(company_a, make_user)
    payment = _pay(setup, "1000.00")
    batch = _batch(setup, payment)
    Payment.objects.filter(pk=payment.pk).update(end_to_end_id="MUELL/FINP/RA12345", status="ACCEPTED")
    PaymentBatch.objects.filter(pk=batch.pk).update(status="ACCEPTED")
    s.payment_batch_book_camt054(company_a, data)
    payment.refresh_from_db()
    assert payment.status == "ACCEPTED" and payment.voucher_id is None
    note = Notification.objects.get(company=company_a, level="WARNING")
    with translation.override("en"):
        body = note.body_text
    assert "SEK 200,000.00" in body and "NOK 1,000.00" in body
