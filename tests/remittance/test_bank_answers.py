"""The bank's answers applied by the services: reasons that reach the batch page, business dates,
payments the bank names without an EndToEndId, and refusals in the reader's language (issue 20,
items 10-12)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from bankint.errors import BankFileRejected
from iso20022.pain002 import REASON_TEXTS
from notifications.models import Notification
from remittance import services as s
from remittance.models import Payment, PaymentBatch
from tests.remittance.isofiles import (
    BatchStatus,
    BookedEntry,
    BookedTx,
    Reason,
    TxStatus,
    camt054_xml,
    pain002_answering,
    pain002_xml,
)
from tests.remittance.isofiles import Notification as NotificationXml

from .test_flows import _batch, _pay

pytestmark = pytest.mark.django_db
B, P = PaymentBatch.Status, Payment.Status
PASSWORD = "correct-horse-battery-9"


def _sent(setup, *payments) -> PaymentBatch:
    """A batch as it is after the send: SUBMITTING, its payments SENT, waiting for the answer."""
    batch = _batch(setup, *payments)
    PaymentBatch.objects.filter(pk=batch.pk).update(status=B.SUBMITTING)
    Payment.objects.filter(batch=batch).update(status=P.SENT)
    batch.refresh_from_db()
    return batch


def _page(user, company, path: str, language: str = "nb") -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    session = client.session
    session["active_company_id"] = company.pk
    session.save()
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------------------------------ item 11 (c)


def test_every_payment_rejected_keeps_its_own_reason_on_the_batch_page(setup):
    # The bank's usual answer when every payment is refused: GrpSts and PmtInfSts RJCT with no
    # reason of their own, each payment RJCT with its reason. The empty batch-level reason
    # used to overwrite the payments' AC03.
    one, two = _pay(setup, "100.00", message="F1"), _pay(setup, "200.00", message="F2")
    batch = _sent(setup, one, two)
    answer = pain002_answering(
        s.payment_batch_pain001(batch), rejects={one.end_to_end_id: "AC03", two.end_to_end_id: "AC03"}
    )
    batch = s.payment_batch_apply_pain002(batch, answer)
    assert batch.status == B.REJECTED
    assert set(Payment.objects.filter(batch=batch).values_list("status", "reason_code")) == {
        (P.REJECTED, "AC03")
    }
    # The batch has no reason of its own, but all its payments share one: it is the batch's too.
    assert (batch.bank_status, batch.bank_reason) == ("RJCT", "AC03")
    nb_words, en_words = REASON_TEXTS["AC03"]
    page = _page(setup.preparer, setup.company, f"/payments/batches/{batch.pk}/")
    # Words first; the pain.002 code itself is in the technical details below.
    assert nb_words in page and "<code>AC03</code>" in page
    assert page.count(nb_words) == 3  # the batch and its two payments
    assert "Banken oppga ingen årsak" not in page
    english = _page(setup.preparer, setup.company, f"/payments/batches/{batch.pk}/", "en")
    assert en_words in english
    note = Notification.objects.get(company=setup.company, level="ERROR")
    assert (
        "AC03" in note.body_text and "ingen årsak" not in note.body_text and "no reason" not in note.body_text
    )


def test_the_banks_own_words_are_kept_next_to_the_code(setup):
    one = _pay(setup, "100.00", message="F1")
    batch = _sent(setup, one)
    answer = pain002_xml(
        batch.msg_id,
        "RJCT",
        batches=(
            BatchStatus(
                batch.pmt_inf_id,
                "RJCT",
                (Reason(info=("Hele bunten er avvist.",)),),
                (TxStatus(one.end_to_end_id, "RJCT", (Reason("AC03", info=("KID 123456782 ukjent",)),)),),
            ),
        ),
    )
    batch = s.payment_batch_apply_pain002(batch, answer)
    one.refresh_from_db()
    assert (one.reason_code, one.reason_text) == ("AC03", "KID 123456782 ukjent")
    assert (batch.bank_reason, batch.bank_reason_text) == ("", "Hele bunten er avvist.")
    page = _page(setup.preparer, setup.company, f"/payments/batches/{batch.pk}/")
    assert "Hele bunten er avvist." in page
    assert REASON_TEXTS["AC03"][0] in page and "KID 123456782 ukjent" in page


def test_a_later_answer_without_a_reason_never_erases_a_known_one(setup):
    one, two = _pay(setup, "100.00", message="F1"), _pay(setup, "200.00", message="F2")
    batch = _sent(setup, one, two)
    xml = s.payment_batch_pain001(batch)
    batch = s.payment_batch_apply_pain002(batch, pain002_answering(xml, rejects={one.end_to_end_id: "AM04"}))
    assert (batch.status, batch.bank_reason) == (B.PARTLY_ACCEPTED, "AM04")
    batch = s.payment_batch_apply_pain002(
        batch, pain002_answering(xml, rejects={one.end_to_end_id: "AM04"}, accepted="ACSC")
    )
    assert batch.bank_reason == "AM04"


def test_a_batch_reason_with_a_code_wins_over_its_payments(setup):
    one = _pay(setup, "100.00", message="F1")
    batch = _sent(setup, one)
    answer = pain002_xml(
        batch.msg_id,
        "RJCT",
        batches=(
            BatchStatus(
                batch.pmt_inf_id,
                "RJCT",
                (Reason("DT01", info=("Feil dato",)),),
                (TxStatus(one.end_to_end_id, "RJCT"),),
            ),
        ),
    )
    batch = s.payment_batch_apply_pain002(batch, answer)
    one.refresh_from_db()
    assert (batch.bank_reason, batch.bank_reason_text) == ("DT01", "Feil dato")
    # The payment shares the batch's status and has no reason of its own: it has the batch's.
    assert (one.status, one.reason_code, one.reason_text) == (P.REJECTED, "DT01", "Feil dato")


# ------------------------------------------------------------------------------ item 11 (b)


def test_a_status_without_end_to_end_id_in_a_one_payment_batch_is_that_payments(setup):
    one = _pay(setup, "100.00", message="F1")
    batch = _sent(setup, one)
    answer = pain002_xml(
        batch.msg_id,
        "PART",
        batches=(
            BatchStatus(batch.pmt_inf_id, "PART", transactions=(TxStatus(None, "RJCT", (Reason("AC04"),)),)),
        ),
    )
    batch = s.payment_batch_apply_pain002(batch, answer)
    one.refresh_from_db()
    assert (one.status, one.reason_code) == (P.REJECTED, "AC04")
    assert batch.status == B.REJECTED


def test_a_status_without_end_to_end_id_that_fits_several_payments_is_a_warning_not_a_guess(setup):
    one, two = _pay(setup, "100.00", message="F1"), _pay(setup, "200.00", message="F2")
    batch = _sent(setup, one, two)
    answer = pain002_xml(
        batch.msg_id,
        "PART",
        batches=(
            BatchStatus(batch.pmt_inf_id, "PART", transactions=(TxStatus(None, "RJCT", (Reason("AC04"),)),)),
        ),
    )
    batch = s.payment_batch_apply_pain002(batch, answer)
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {P.SENT}
    note = Notification.objects.get(company=setup.company, level="WARNING")
    assert batch.msg_id in note.body_text and "AC04" in note.body_text and "EndToEndId" in note.body_text
    report = batch.reports.get()
    assert "1" in report.summary and "EndToEndId" in report.summary


# ------------------------------------------------------------------------------ item 10


def test_a_booking_late_in_the_evening_utc_is_booked_on_the_oslo_date(setup):
    one = _pay(setup, "100.00", message="F1")
    batch = _sent(setup, one)
    s.payment_batch_apply_pain002(batch, pain002_answering(s.payment_batch_pain001(batch)))
    at = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)
    data = camt054_xml(
        [
            NotificationXml(
                entries=(BookedEntry(Decimal("100.00"), at, (BookedTx(one.end_to_end_id, None),)),),
                account=setup.account.account_number,
            )
        ]
    ).replace(b"2025-06-30T22:30:00+00:00", b"2025-06-30T22:30:00Z")
    s.payment_batch_book_camt054(setup.company, data)
    one.refresh_from_db()
    assert one.status == P.BOOKED and one.booked_date == date(2025, 7, 1)
    assert one.voucher.date == date(2025, 7, 1)


# ------------------------------------------------------------------------------ item 12


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nb", "Bankens statusrapport kunne ikke leses"),
        ("en", "The bank's status report could not be read"),
    ],
)
def test_a_refused_status_report_reads_in_the_users_language(setup, language, words):
    batch = _sent(setup, _pay(setup, "100.00", message="F1"))
    broken = pain002_answering(s.payment_batch_pain001(batch)).replace(
        b"<OrgnlMsgNmId>pain.001.001.03", b"<OrgnlMsgNmId>pain.008.001.02"
    )
    with translation.override(language), pytest.raises(BankFileRejected) as refused:
        s.payment_batch_apply_pain002(batch, broken)
    message = refused.value.message
    assert message.startswith(words) and "pain.008.001.02" in message
    if language == "nb":
        assert "betalingsfil" in message and "answers" not in message
    else:
        assert "answers a 'pain.008.001.02' message" in message
    assert batch.reports.count() == 0  # nothing half-written


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nb", "Dette er en camt.054.001.14-fil"),
        ("en", "This is a camt.054.001.14 file"),
    ],
)
def test_a_debit_notification_of_another_version_is_refused_in_the_users_language(setup, language, words):
    data = camt054_xml([NotificationXml(entries=())]).replace(b"camt.054.001.02", b"camt.054.001.14")
    with translation.override(language), pytest.raises(BankFileRejected) as refused:
        s.payment_batch_book_camt054(setup.company, data)
    assert words in refused.value.message and "camt.054.001.02" in refused.value.message


def test_a_booking_at_another_amount_or_currency_is_not_posted_at_the_payments_amount(setup):
    one, two = _pay(setup, "100.00", message="F1"), _pay(setup, "200.00", message="F2")
    batch = _sent(setup, one, two)
    s.payment_batch_apply_pain002(batch, pain002_answering(s.payment_batch_pain001(batch)))
    data = camt054_xml(
        [
            NotificationXml(
                entries=(
                    BookedEntry(Decimal("100.00"), date(2025, 3, 4), (BookedTx(one.end_to_end_id, None),)),
                    BookedEntry(
                        Decimal("200.00"),
                        date(2025, 3, 4),
                        (BookedTx(two.end_to_end_id, None),),
                        currency="SEK",
                    ),
                ),
                account=setup.account.account_number,
            )
        ]
    )
    s.payment_batch_book_camt054(setup.company, data)
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == P.BOOKED and two.status == P.ACCEPTED and two.voucher_id is None
    note = Notification.objects.get(company=setup.company, level="WARNING")
    assert (
        two.end_to_end_id in note.body_text
        and "SEK 200.00" in note.body_text
        and "NOK 200.00" in note.body_text
    )


def test_an_unreadable_status_report_stops_neither_the_other_batches_nor_goes_unsaid(setup):
    # The beat resolves every stale batch in one loop: one batch whose pain.002 cannot be read
    # must not stop the others, and its refusal is kept on the batch and said to the company.
    bad = _sent(setup, _pay(setup, "100.00", message="F1"))
    good = _sent(setup, _pay(setup, "200.00", message="F2"))
    PaymentBatch.objects.update(status=B.UNKNOWN)
    answers = {
        bad.msg_id: pain002_answering(s.payment_batch_pain001(bad)).replace(
            b"<OrgnlMsgNmId>pain.001.001.03", b"<OrgnlMsgNmId>pain.008.001.02"
        ),
        good.msg_id: pain002_answering(s.payment_batch_pain001(good)),
    }

    class Bank:
        def get_pain002(self, msg_id):
            return answers[msg_id]

    with translation.override("nb"):
        s.payment_batches_resolve_stale(client=Bank())
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.status == B.ACCEPTED
    assert bad.status == B.UNKNOWN and "pain.008.001.02" in bad.last_error
    note = Notification.objects.get(company=setup.company, level="ERROR")
    assert (
        bad.msg_id in note.body_text
        and "pain.008.001.02" in note.body_text
        and "betalingsfil" in note.body_text
    )
