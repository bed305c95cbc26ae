"""Payments abroad and in currency: the kind the product decides, the refusals, the batches and
the pain.001.001.09 file with domestic, SEPA and abroad payments (XSD-validated and read back)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from lxml import etree

import bankclient
from accounts.models import BankAccount, PaymentFileVersion
from bankint.errors import ValidationFailed
from iso20022.pain001 import validate_pain001, validate_pain001_v09
from ledger.models import ExchangeRate
from ledger.services import bill_create, supplier_create
from remittance import services as s
from remittance.models import Payment
from remittance.regulatory import CODES

from .conftest import PLAIN_PAYEE

pytestmark = pytest.mark.django_db

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
DE_IBAN, SE_IBAN, GB_IBAN = "DE89370400440532013000", "SE4550000000058398257466", "GB29NWBK60161331926819"


@pytest.fixture
def rates():
    today = timezone.localdate()
    for code, rate in {"EUR": "11.7210", "USD": "10.9400", "SEK": "1.0125", "JPY": "0.0712"}.items():
        ExchangeRate.objects.create(currency=code, rate_date=today, rate=Decimal(rate))


@pytest.fixture
def v09(setup):
    BankAccount.objects.filter(pk=setup.account.pk).update(payment_file_version=PaymentFileVersion.V09)
    setup.account.refresh_from_db()
    return setup


ADDRESS = {
    "creditor_town": "Berlin",
    "creditor_country": "DE",
    "creditor_street": "Hauptstraße",
    "creditor_postcode": "10115",
}


def pay(setup, **fields):
    base = {
        "bank_account_id": setup.account.pk,
        "creditor_name": "Müller GmbH",
        "creditor_account": DE_IBAN,
        "amount": "1000.00",
        "currency": "EUR",
        "message": "Invoice 17",
        **ADDRESS,
    }
    base.update(fields)
    return s.payment_create(setup.company, user=setup.preparer, **base)


def test_sepa_payment_kind_uetr_and_nok_value(v09, rates):
    p = pay(v09)
    assert (p.kind, p.currency, p.charge_bearer) == (Payment.Kind.SEPA, "EUR", "")
    assert isinstance(p.uetr, uuid.UUID) and p.uetr.version == 4
    assert p.nok_equivalent == Decimal("11721.00")


def test_usd_abroad_defaults_to_shared_charges(v09, rates):
    p = pay(
        v09,
        currency="USD",
        creditor_account=GB_IBAN,
        creditor_bic="NWBKGB2L",
        creditor_country="GB",
        creditor_town="London",
    )
    assert (p.kind, p.charge_bearer, p.nok_equivalent) == (Payment.Kind.ABROAD, "SHAR", Decimal("10940.00"))


def test_domestic_nok_unchanged(v09):
    p = s.payment_create(
        v09.company,
        bank_account_id=v09.account.pk,
        creditor_name="Leverandør AS",
        creditor_account=PLAIN_PAYEE,
        amount="100.00",
        message="x",
    )
    assert (p.kind, p.uetr, p.nok_equivalent, p.currency) == (Payment.Kind.DOMESTIC, None, None, "NOK")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"creditor_account": "DE89370400440532013001"}, "creditor_account", "not a valid IBAN"),
        ({"creditor_bic": "ESSESESS"}, "creditor_bic", "not in DE"),
        ({"creditor_bic": "DEU1DEFF"}, "creditor_bic", "not a valid BIC"),
        ({"creditor_town": ""}, "creditor_town", "town"),
        ({"creditor_country": ""}, "creditor_country", "country"),
        ({"amount": "100.005"}, "amount", "at most 2 decimals"),
        ({"currency": "JPY", "amount": "1000.5"}, "amount", "JPY has no decimals"),
        ({"kid": "123456782", "message": ""}, "kid", "Norwegian reference"),
        (
            {"amount": "9000.00"} | {"regulatory_code": "99", "regulatory_text": "x"},
            "regulatory_code",
            "not one of",
        ),
    ],
)
def test_refusals(v09, rates, fields, field, words):
    with pytest.raises(ValidationFailed) as exc:
        pay(v09, **fields)
    assert words in exc.value.fields[field][0]


def test_reporting_required_above_100000_nok(v09, rates):
    with pytest.raises(ValidationFailed) as exc:
        pay(v09, amount="10000.00")  # EUR 10 000 = NOK 117 210
    assert set(exc.value.fields) == {"regulatory_code", "regulatory_text"}
    assert "100 000" in exc.value.message
    p = pay(v09, amount="10000.00", regulatory_code="14", regulatory_text="Kjøp av maskiner")
    assert (p.regulatory_code, p.regulatory_text) == ("14", "Kjøp av maskiner")
    assert "14" in CODES and CODES["29"] == "Annet kjøp/salg av tjenester"


def test_reporting_required_when_rate_unknown(v09, monkeypatch):
    class Down:
        def exchange_rates(self, day):
            raise bankclient.BankUnavailable("down")

        def close(self):
            pass

    monkeypatch.setattr(bankclient, "get_client", lambda: Down())
    with pytest.raises(ValidationFailed) as exc:
        pay(
            v09,
            currency="SEK",
            creditor_account=SE_IBAN,
            creditor_country="SE",
            creditor_town="Stockholm",
            amount="10.00",
        )
    assert "could not be had" in exc.value.fields["regulatory_code"][0]
    p = pay(
        v09,
        currency="SEK",
        creditor_account=SE_IBAN,
        creditor_country="SE",
        creditor_town="Stockholm",
        amount="10.00",
        regulatory_code="29",
        regulatory_text="Konsulent",
    )
    assert p.nok_equivalent is None


def test_currency_account_pays_only_its_currency(v09, rates):
    BankAccount.objects.filter(pk=v09.account.pk).update(currency="EUR")
    with pytest.raises(ValidationFailed) as exc:
        pay(v09, currency="USD", creditor_account=GB_IBAN, creditor_country="GB", creditor_town="London")
    assert exc.value.code == "currency_not_allowed"
    assert "only in EUR" in exc.value.fields["currency"][0]
    assert pay(v09).currency == "EUR"


def test_batches_group_by_currency(v09, rates):
    day = timezone.localdate() + datetime.timedelta(days=7)
    a = pay(v09, execution_date=day)
    b = pay(
        v09,
        execution_date=day,
        currency="SEK",
        creditor_account=SE_IBAN,
        creditor_country="SE",
        creditor_town="Stockholm",
        amount="500.00",
    )
    c = pay(v09, execution_date=day, amount="20.00", message="Invoice 18")
    batches = s.payment_batches_build(v09.company, payment_ids=[a.pk, b.pk, c.pk])
    by_currency = {batch.currency: batch for batch in batches}
    assert set(by_currency) == {"EUR", "SEK"}
    assert by_currency["EUR"].total == Decimal("1020.00") and by_currency["EUR"].payment_count == 2
    assert {bt.pain001_version for bt in batches} == {"pain.001.001.09"}


def test_v09_file_domestic_sepa_abroad(v09, rates):
    day = timezone.localdate() + datetime.timedelta(days=7)
    dom = s.payment_create(
        v09.company,
        bank_account_id=v09.account.pk,
        creditor_name="Leverandør AS",
        creditor_account=PLAIN_PAYEE,
        amount="100.00",
        kid="123456782",
        execution_date=day,
    )
    sepa = pay(v09, execution_date=day)
    usd = pay(
        v09,
        execution_date=day,
        currency="USD",
        creditor_account=GB_IBAN,
        creditor_bic="NWBKGB2L",
        creditor_country="GB",
        creditor_town="London",
        amount="20000.00",
        charge_bearer="DEBT",
        urgent=True,
        regulatory_code="14",
        regulatory_text="Varekjøp",
    )
    batches = s.payment_batches_build(v09.company, payment_ids=[dom.pk, sepa.pk, usd.pk])
    assert len(batches) == 3  # NOK, EUR, USD
    files = {b.currency: s.payment_batch_build_file(b) for b in batches}
    for xml in files.values():
        validate_pain001_v09(xml)
    nok = etree.fromstring(files["NOK"])
    assert nok.findtext(".//p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == PLAIN_PAYEE
    assert nok.findtext(".//p:CdtrRefInf/p:Ref", namespaces=NS) == "123456782"
    eur = etree.fromstring(files["EUR"])
    assert eur.findtext(".//p:SvcLvl/p:Cd", namespaces=NS) == "SEPA"
    assert eur.findtext(".//p:ChrgBr", namespaces=NS) == "SLEV"
    assert eur.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == DE_IBAN
    assert eur.findtext(".//p:PmtId/p:UETR", namespaces=NS) == str(sepa.uetr)
    assert eur.findtext(".//p:Cdtr/p:PstlAdr/p:TwnNm", namespaces=NS) == "Berlin"
    usd_xml = etree.fromstring(files["USD"])
    assert usd_xml.find(".//p:InstdAmt", namespaces=NS).get("Ccy") == "USD"
    assert usd_xml.findtext(".//p:InstdAmt", namespaces=NS) == "20000.00"
    assert usd_xml.findtext(".//p:ChrgBr", namespaces=NS) == "DEBT"
    assert usd_xml.findtext(".//p:InstrPrty", namespaces=NS) == "HIGH"
    assert usd_xml.findtext(".//p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "NWBKGB2L"
    assert usd_xml.findtext(".//p:RgltryRptg/p:Dtls/p:Cd", namespaces=NS) == "14"
    assert usd_xml.findtext(".//p:RgltryRptg/p:Dtls/p:Inf", namespaces=NS) == "Varekjøp"


def test_domestic_in_v03_unchanged(setup):
    p = s.payment_create(
        setup.company,
        bank_account_id=setup.account.pk,
        creditor_name="Leverandør AS",
        creditor_account=PLAIN_PAYEE,
        amount="100.00",
        message="x",
    )
    (batch,) = s.payment_batches_build(setup.company, payment_ids=[p.pk])
    assert (batch.pain001_version, batch.currency) == ("pain.001.001.03", "NOK")
    validate_pain001(s.payment_batch_build_file(batch))


def test_abroad_on_v03_account_refused(setup, rates):
    p = pay(setup)
    with pytest.raises(ValidationFailed) as exc:
        s.payment_batches_build(setup.company, payment_ids=[p.pk])
    assert exc.value.code == "file_version_too_old"
    assert "pain.001.001.09" in exc.value.message and "Müller GmbH" in exc.value.message


def test_unreported_payment_cannot_be_batched(v09, rates):
    p = pay(v09)
    Payment.objects.filter(pk=p.pk).update(nok_equivalent=Decimal("200000.00"))
    with pytest.raises(ValidationFailed) as exc:
        s.payment_batches_build(v09.company, payment_ids=[p.pk])
    assert exc.value.code == "regulatory_report_missing"


def test_bill_abroad_paid_with_supplier_fields(v09, rates):
    supplier = supplier_create(
        v09.company,
        name="Svensk AB",
        country="SE",
        currency="SEK",
        iban=SE_IBAN,
        bic="ESSESESS",
        town="Stockholm",
        postcode="111 22",
    )
    bill = bill_create(
        v09.company,
        supplier_id=supplier.pk,
        amount="5000.00",
        due_date=timezone.localdate() + datetime.timedelta(days=5),
        message="F-9",
    )
    result = s.bills_pay(v09.company, bill_ids=[bill.pk], bank_account_id=v09.account.pk)
    (p,) = result.payments
    assert (p.kind, p.currency, p.creditor_account, p.creditor_bic, p.creditor_town, p.creditor_country) == (
        Payment.Kind.ABROAD,
        "SEK",
        SE_IBAN,
        "ESSESESS",
        "Stockholm",
        "SE",
    )
    assert p.nok_equivalent == Decimal("5062.50")
    (batch,) = result.batches
    assert batch.currency == "SEK"
    validate_pain001_v09(s.payment_batch_build_file(batch))


def test_correct_keeps_abroad_fields(v09, rates):
    p = pay(v09)
    Payment.objects.filter(pk=p.pk).update(status=Payment.Status.REJECTED)
    p.refresh_from_db()
    again = s.payment_correct(p, creditor_town="München")
    assert (again.currency, again.creditor_town, again.kind) == ("EUR", "München", Payment.Kind.SEPA)
    assert again.uetr != p.uetr


def test_approvers_are_told_the_currencies_not_a_krone_total(v09, rates):
    """Totals in euro and kronor do not add up: the approver's notification names the currencies."""
    from django.utils import translation

    from notifications.models import Notification

    day = timezone.localdate() + datetime.timedelta(days=7)
    a = pay(v09, execution_date=day)
    b = pay(
        v09,
        execution_date=day,
        currency="SEK",
        creditor_account=SE_IBAN,
        creditor_country="SE",
        creditor_town="Stockholm",
        amount="500.00",
    )
    s.payment_batches_build(v09.company, payment_ids=[a.pk, b.pk], user=v09.preparer)
    note = Notification.objects.get(company=v09.company, user=v09.approver)
    with translation.override("nb"):
        assert "2 bunter i EUR, SEK er klare til godkjenning" in note.body_text
        assert "kroner" not in note.body_text
    with translation.override("en"):
        assert "2 batches in EUR, SEK are ready for approval" in note.body_text
