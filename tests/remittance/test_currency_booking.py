"""Payments in currency booked from the bank's camt.054.001.08 and reconciled from its
camt.053.001.08 (issue 25, items 5 and 7): the NOK the bank debited on the bank account, the
bill's NOK value off payables, the difference as agio (8060) or disagio (8160), never as a
fee; a payment the bank names by its UETR only is found by it; the matching screen shows
both amounts and the rate. The files are built here, small and XSD-valid, and read by the
real readers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from lxml import etree

from ledger.models import Bill, LedgerAccount, VoucherLine
from ledger.services import bill_create
from reconciliation.models import Match, StatementEntry, StatementFile
from reconciliation.services import statement_file_import
from remittance import services as s
from remittance.models import Payment, PaymentBatch
from remittance.services.debit_notifications import exchange_rate

from .conftest import DEBIT
from .test_bank_answers import PASSWORD, _sent

pytestmark = pytest.mark.django_db
P = Payment.Status
DAY = date(2027, 3, 1)
NS054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
NS053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


@dataclass(frozen=True)
class Debit:
    """One booked debit of a payment abroad: the NOK debited and the currency amount sent."""

    nok: Decimal
    foreign: Decimal
    currency: str
    e2e: str | None  # None: the bank gives NOTPROVIDED
    uetr: str | None
    rate: str | None = None
    source: str | None = None
    target: str | None = None
    ref: str = "REF-1"


def _sub(parent, ns, tag, text=None, **attrib):
    el = etree.SubElement(parent, "{%s}%s" % (ns, tag), **attrib)  # noqa: UP031
    if text is not None:
        el.text = text
    return el


def _ntry(parent, ns: str, d: Debit, *, statement: bool) -> None:
    ntry = _sub(parent, ns, "Ntry")
    _sub(ntry, ns, "Amt", f"{d.nok:.2f}", Ccy="NOK")
    _sub(ntry, ns, "CdtDbtInd", "DBIT")
    _sub(_sub(ntry, ns, "Sts"), ns, "Cd", "BOOK")
    _sub(_sub(ntry, ns, "BookgDt"), ns, "Dt", DAY.isoformat())
    _sub(_sub(ntry, ns, "ValDt"), ns, "Dt", DAY.isoformat())
    if statement:
        _sub(ntry, ns, "AcctSvcrRef", d.ref)
    domn = _sub(_sub(ntry, ns, "BkTxCd"), ns, "Domn")
    _sub(domn, ns, "Cd", "PMNT")
    fmly = _sub(domn, ns, "Fmly")
    _sub(fmly, ns, "Cd", "ICDT")
    _sub(fmly, ns, "SubFmlyCd", "XBCT")
    tx = _sub(_sub(ntry, ns, "NtryDtls"), ns, "TxDtls")
    refs = _sub(tx, ns, "Refs")
    _sub(refs, ns, "EndToEndId", d.e2e or "NOTPROVIDED")
    if d.uetr:
        _sub(refs, ns, "UETR", d.uetr)
    details = _sub(tx, ns, "AmtDtls")
    instructed = _sub(details, ns, "InstdAmt")
    _sub(instructed, ns, "Amt", f"{d.foreign:.2f}", Ccy=d.currency)
    if d.rate:
        xchg = _sub(instructed, ns, "CcyXchg")
        _sub(xchg, ns, "SrcCcy", d.source or d.currency)
        _sub(xchg, ns, "TrgtCcy", d.target or "NOK")
        _sub(xchg, ns, "XchgRate", d.rate)
    _sub(_sub(details, ns, "TxAmt"), ns, "Amt", f"{d.nok:.2f}", Ccy="NOK")


def _account(parent, ns: str) -> None:
    acct = _sub(parent, ns, "Acct")
    othr = _sub(_sub(acct, ns, "Id"), ns, "Othr")
    _sub(othr, ns, "Id", DEBIT)
    _sub(_sub(othr, ns, "SchmeNm"), ns, "Cd", "BBAN")
    _sub(acct, ns, "Ccy", "NOK")


def camt054_v08(*debits: Debit) -> bytes:
    ns = NS054
    root = etree.Element("{%s}Document" % ns, nsmap={None: ns})  # noqa: UP031
    doc = _sub(root, ns, "BkToCstmrDbtCdtNtfctn")
    hdr = _sub(doc, ns, "GrpHdr")
    _sub(hdr, ns, "MsgId", "NTF-" + uuid.uuid4().hex[:12])
    _sub(hdr, ns, "CreDtTm", "2027-03-01T18:00:00+01:00")
    ntf = _sub(doc, ns, "Ntfctn")
    _sub(ntf, ns, "Id", "NTF-1-1")
    _account(ntf, ns)
    for d in debits:
        _ntry(ntf, ns, d, statement=False)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def camt053_v08(*debits: Debit, opening: Decimal = Decimal("500000.00")) -> bytes:
    ns = NS053
    root = etree.Element("{%s}Document" % ns, nsmap={None: ns})  # noqa: UP031
    doc = _sub(root, ns, "BkToCstmrStmt")
    hdr = _sub(doc, ns, "GrpHdr")
    _sub(hdr, ns, "MsgId", "STM-2027-1")
    _sub(hdr, ns, "CreDtTm", "2027-03-02T06:00:00+01:00")
    stmt = _sub(doc, ns, "Stmt")
    _sub(stmt, ns, "Id", f"{DEBIT}.20270301")
    _sub(stmt, ns, "ElctrncSeqNb", "1")
    _sub(stmt, ns, "CreDtTm", "2027-03-02T06:00:00+01:00")
    _account(stmt, ns)
    closing = opening - sum((d.nok for d in debits), Decimal("0"))
    for code, amount in (("OPBD", opening), ("CLBD", closing)):
        bal = _sub(stmt, ns, "Bal")
        _sub(_sub(_sub(bal, ns, "Tp"), ns, "CdOrPrtry"), ns, "Cd", code)
        _sub(bal, ns, "Amt", f"{amount:.2f}", Ccy="NOK")
        _sub(bal, ns, "CdtDbtInd", "CRDT")
        _sub(_sub(bal, ns, "Dt"), ns, "Dt", DAY.isoformat())
    for d in debits:
        _ntry(stmt, ns, d, statement=True)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _bill_payment(setup, amount: str, currency: str, nok: str | None, rate: str | None) -> Payment:
    """A bill in ``currency`` (booked at ``nok`` NOK, as ``bill_create`` books one in currency)
    and its payment, sent and accepted by the bank, in that currency with a UETR. Made as a
    domestic bill and payment, then given their currency: what is under test is the booking,
    not how a payment abroad is entered."""
    bill = bill_create(
        setup.company,
        supplier_id=setup.supplier.pk,
        amount=amount,
        due_date=DAY,
        issue_date=date(2027, 2, 1),
        message="Invoice 2027-17",
    )
    payment = s.payment_create_from_bill(
        setup.company, bill_id=bill.pk, bank_account_id=setup.account.pk, user=setup.preparer
    )
    Bill.objects.filter(pk=bill.pk).update(
        currency=currency,
        nok_amount=Decimal(nok) if nok else None,
        exchange_rate=Decimal(rate) if rate else None,
    )
    return _abroad(setup, payment, currency)


def _abroad(setup, payment: Payment, currency: str) -> Payment:
    _sent(setup, payment)
    Payment.objects.filter(pk=payment.pk).update(
        currency=currency, kind=Payment.Kind.ABROAD, uetr=uuid.uuid4(), status=P.ACCEPTED
    )
    payment.refresh_from_db()
    return payment


def _lines(payment: Payment) -> dict[str, Decimal]:
    return dict(VoucherLine.objects.filter(voucher=payment.voucher).values_list("ledger_account", "amount"))


def test_a_eur_bill_paid_with_more_nok_than_it_was_booked_at_books_disagio_on_8160(setup):
    payment = _bill_payment(setup, "1000.00", "EUR", "11500.00", "11.50")
    # A company whose chart predates the exchange accounts: booking gives it 8160.
    LedgerAccount.objects.filter(company=setup.company, number__in=["8060", "8160"]).delete()
    data = camt054_v08(
        Debit(Decimal("11720.00"), Decimal("1000.00"), "EUR", payment.end_to_end_id, None, "11.72")
    )
    s.payment_batch_book_camt054(setup.company, data)

    payment.refresh_from_db()
    assert payment.status == P.BOOKED
    assert (payment.booked_amount, payment.exchange_rate) == (Decimal("11720.00"), Decimal("11.72"))
    assert _lines(payment) == {
        "2400": Decimal("11500.00"),  # the supplier's liability as the bill booked it
        "8160": Decimal("220.00"),  # disagio: the euro cost more than on the bill's day
        "1920": Decimal("-11720.00"),  # what the bank debited
    }
    assert "7770" not in _lines(payment)  # never a bank fee
    bank_line = VoucherLine.objects.get(voucher=payment.voucher, ledger_account="1920")
    assert (bank_line.reference_kind, bank_line.reference) == ("E2E", payment.end_to_end_id)
    assert LedgerAccount.objects.get(company=setup.company, number="8160").name == "Valutatap (disagio)"
    payment.bill.refresh_from_db()
    assert payment.bill.status == Bill.Status.PAID and payment.bill.payment_voucher_id == payment.voucher_id
    assert PaymentBatch.objects.get(pk=payment.batch_id).status == PaymentBatch.Status.BOOKED


def test_a_usd_bill_paid_with_less_nok_books_agio_on_8060_at_the_rate_quoted_either_way_round(setup):
    payment = _bill_payment(setup, "2000.00", "USD", "21880.00", "10.94")
    # The bank quotes NOK→USD (0.0921659 USD per NOK): the rate kept is NOK per USD.
    data = camt054_v08(
        Debit(
            Decimal("21700.00"),
            Decimal("2000.00"),
            "USD",
            payment.end_to_end_id,
            None,
            "0.0921659",
            "NOK",
            "USD",
        )
    )
    s.payment_batch_book_camt054(setup.company, data)

    payment.refresh_from_db()
    assert payment.status == P.BOOKED and payment.booked_amount == Decimal("21700.00")
    assert abs(payment.exchange_rate - Decimal("10.85")) < Decimal("0.0001")
    assert _lines(payment) == {
        "2400": Decimal("21880.00"),
        "8060": Decimal("-180.00"),  # agio: a gain, credited
        "1920": Decimal("-21700.00"),
    }


def test_a_payment_in_currency_without_a_booked_nok_value_has_no_exchange_difference(setup):
    payment = _bill_payment(setup, "500.00", "SEK", None, None)
    data = camt054_v08(Debit(Decimal("506.25"), Decimal("500.00"), "SEK", payment.end_to_end_id, None))
    s.payment_batch_book_camt054(setup.company, data)

    payment.refresh_from_db()
    assert payment.status == P.BOOKED
    assert payment.exchange_rate == Decimal("1.0125")  # what was debited per krona sent
    assert _lines(payment) == {"2400": Decimal("506.25"), "1920": Decimal("-506.25")}


def test_a_payment_the_bank_names_by_its_uetr_only_is_booked(setup):
    payment = _bill_payment(setup, "1000.00", "EUR", "11500.00", "11.50")
    data = camt054_v08(
        Debit(Decimal("11720.00"), Decimal("1000.00"), "EUR", None, str(payment.uetr), "11.72")
    )
    s.payment_batch_book_camt054(setup.company, data)

    payment.refresh_from_db()
    assert payment.status == P.BOOKED and payment.booked_amount == Decimal("11720.00")
    assert _lines(payment)["8160"] == Decimal("220.00")


def test_a_payment_in_currency_the_bank_sent_at_another_amount_is_not_booked(setup):
    payment = _bill_payment(setup, "1000.00", "EUR", "11500.00", "11.50")
    data = camt054_v08(
        Debit(Decimal("11720.00"), Decimal("999.00"), "EUR", payment.end_to_end_id, None, "11.72")
    )
    s.payment_batch_book_camt054(setup.company, data)

    payment.refresh_from_db()
    assert payment.status == P.ACCEPTED and payment.voucher_id is None and payment.booked_amount is None


def test_a_domestic_payment_still_books_payables_against_the_bank_only(setup):
    bill = bill_create(
        setup.company, supplier_id=setup.supplier.pk, amount="2500.50", due_date=DAY, message="Faktura 77"
    )
    payment = s.payment_create_from_bill(
        setup.company, bill_id=bill.pk, bank_account_id=setup.account.pk, user=setup.preparer
    )
    _sent(setup, payment)
    Payment.objects.filter(pk=payment.pk).update(status=P.ACCEPTED)
    data = camt054_v08(Debit(Decimal("2500.50"), Decimal("2500.50"), "NOK", payment.end_to_end_id, None))
    s.payment_batch_book_camt054(setup.company, data)

    payment.refresh_from_db()
    assert payment.status == P.BOOKED
    assert (payment.booked_amount, payment.exchange_rate) == (Decimal("2500.50"), None)
    assert _lines(payment) == {"2400": Decimal("2500.50"), "1920": Decimal("-2500.50")}


def test_the_rate_is_what_was_debited_per_unit_when_the_bank_gives_none():
    from iso20022.camt053 import Camt053Fx

    assert exchange_rate(Decimal("11720.00"), Camt053Fx(Decimal("1000"), "EUR")) == Decimal("11.72")
    assert exchange_rate(
        Decimal("11720.00"), Camt053Fx(Decimal("1000"), "EUR", Decimal("11.7210"))
    ) == Decimal("11.721")


# ------------------------------------------------------------------ reconciliation (camt.053 .08)


def _page(user, company, path: str, language: str) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    session = client.session
    session["active_company_id"] = company.pk
    session.save()
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            "nb",
            ["1\N{NO-BREAK SPACE}000,00 EUR", "kurs 11,7200 EUR/NOK", "900,00 USD", "kurs 10,9400 USD/NOK"],
        ),
        ("en", ["EUR 1,000.00", "rate 11.7200 EUR/NOK", "USD 900.00", "rate 10.9400 USD/NOK"]),
    ],
)
def test_a_camt_053_08_entry_is_matched_by_uetr_and_the_screen_shows_both_amounts(setup, language, shown):
    payment = _bill_payment(setup, "1000.00", "EUR", "11500.00", "11.50")
    booked = Debit(
        Decimal("11720.00"), Decimal("1000.00"), "EUR", payment.end_to_end_id, str(payment.uetr), "11.72"
    )
    s.payment_batch_book_camt054(setup.company, camt054_v08(booked))
    payment.refresh_from_db()
    # The statement names the payment by its UETR only; a USD debit nobody booked stays open.
    by_uetr = Debit(
        Decimal("11720.00"), Decimal("1000.00"), "EUR", None, str(payment.uetr), "11.72", ref="R-EUR"
    )
    other = Debit(
        Decimal("9846.00"), Decimal("900.00"), "USD", "E2E-UNKNOWN", str(uuid.uuid4()), "10.94", ref="R-USD"
    )
    result = statement_file_import(
        setup.company, camt053_v08(by_uetr, other), source=StatementFile.Source.UPLOAD, filename="v08.xml"
    )
    assert result.outcome == "imported", result.message

    matched = StatementEntry.objects.get(acct_svcr_ref="R-EUR")
    assert matched.end_to_end_ids == [] and matched.uetrs == [str(payment.uetr)]
    assert matched.status == StatementEntry.Status.MATCHED and matched.matched_rule == "E2E"
    bank_line = VoucherLine.objects.get(voucher=payment.voucher, ledger_account="1920")
    assert list(
        Match.objects.get(pk=matched.match_id).line_links.values_list("voucher_line_id", flat=True)
    ) == [bank_line.pk]
    assert matched.foreign_amounts == [
        {"amount": "1000.00", "currency": "EUR", "rate": "11.72", "source": "EUR", "target": "NOK"}
    ]
    open_entry = StatementEntry.objects.get(acct_svcr_ref="R-USD")
    assert open_entry.status == StatementEntry.Status.UNMATCHED and open_entry.end_to_end_ids == [
        "E2E-UNKNOWN"
    ]

    page = _page(
        setup.preparer, setup.company, f"/reconciliation/matching/?account={setup.account.pk}", language
    )
    assert f'data-testid="foreign-{open_entry.pk}"' in page
    for words in shown[2:]:
        assert words in page
    entry_page = _page(
        setup.preparer, setup.company, f"/reconciliation/entries/{matched.pk}/open-items/", language
    )
    for words in shown[:2]:
        assert words in entry_page
