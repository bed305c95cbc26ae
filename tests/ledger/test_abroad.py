"""Suppliers abroad (IBAN, BIC, address), the bank's exchange rates, and bills in currency."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

import bankclient
from bankint.errors import ValidationFailed
from ledger.models import ExchangeRate, VoucherLine
from ledger.services import bill_create, nok_value, rate_on, supplier_create, supplier_update

pytestmark = pytest.mark.django_db

DE_IBAN, DE_BIC = "DE89370400440532013000", "DEUTDEFF"


def abroad(company, **extra):
    fields = {
        "name": "Müller GmbH",
        "country": "DE",
        "currency": "EUR",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": DE_BIC,
        "street": "Hauptstraße",
        "building_number": "5",
        "postcode": "10115",
        "town": "Berlin",
    }
    fields.update(extra)
    return supplier_create(company, **fields)


def test_supplier_abroad_is_registered_with_compact_iban_and_bank_country(company_a):
    s = abroad(company_a)
    assert (s.iban, s.bic, s.bank_country, s.account_number, s.country, s.town) == (
        DE_IBAN,
        DE_BIC,
        "DE",
        "",
        "DE",
        "Berlin",
    )
    assert s.is_abroad


def test_norwegian_supplier_unchanged(company_a):
    s = supplier_create(company_a, name="Norsk AS", account_number="8601.11.17947")
    assert (s.account_number, s.iban, s.country, s.currency) == ("86011117947", "", "NO", "NOK")
    with pytest.raises(ValidationFailed) as exc:
        supplier_create(company_a, name="Norsk AS", account_number="86011117949")
    assert "account_number" in exc.value.fields


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"iban": "DE89370400440532013001"}, "iban", "not a valid IBAN"),
        ({"bic": "DEUT1EFF"}, "bic", "not a valid BIC"),
        ({"bic": "ESSESESS"}, "bic", "not in DE"),
        ({"town": ""}, "town", "town"),
        ({"country": ""}, "country", "country"),
        ({"bank_country": "SE"}, "bank_country", "account in DE"),
        ({"currency": "XYZ"}, "currency", "does not pay in"),
    ],
)
def test_supplier_abroad_refusals(company_a, extra, field, words):
    with pytest.raises(ValidationFailed) as exc:
        abroad(company_a, **extra)
    assert field in exc.value.fields
    assert words in exc.value.fields[field][0]


def test_missing_town_and_country_are_both_said(company_a):
    with pytest.raises(ValidationFailed) as exc:
        abroad(company_a, town="", country="")
    assert set(exc.value.fields) == {"town", "country"}


def test_bic_required_outside_sepa(company_a):
    with pytest.raises(ValidationFailed) as exc:
        abroad(company_a, iban="BR1800360305000010009795493C1", bic="", country="BR", currency="USD")
    assert "bic" in exc.value.fields


def test_supplier_update_moves_abroad_and_checks(company_a):
    s = supplier_create(company_a, name="Flytter AS", account_number="86011117947")
    s = supplier_update(s, country="SE", iban="SE4550000000058398257466", bic="ESSESESS", town="Stockholm")
    assert (s.account_number, s.iban, s.bank_country) == ("", "SE4550000000058398257466", "SE")
    with pytest.raises(ValidationFailed):
        supplier_update(s, town="")
    s.refresh_from_db()
    assert s.town == "Stockholm"


def test_rate_on_reads_latest_on_or_before(company_a):
    day = datetime.date(2026, 3, 6)  # a Friday
    ExchangeRate.objects.create(currency="EUR", rate_date=day, rate=Decimal("11.5"))
    assert rate_on("EUR", day + datetime.timedelta(days=2)) == Decimal("11.5")  # the Sunday
    assert nok_value("EUR", Decimal("100.00"), day) == Decimal("1150.00")
    assert nok_value("NOK", Decimal("5.00"), day) == Decimal("5.00")


class FakeClient:
    calls = 0

    def exchange_rates(self, day):
        FakeClient.calls += 1
        return {"EUR": Decimal("11.7210"), "USD": Decimal("10.9400")}

    def close(self):
        pass


def test_missing_rate_is_fetched_and_stored_once(monkeypatch):
    FakeClient.calls = 0
    monkeypatch.setattr(bankclient, "get_client", lambda: FakeClient())
    day = datetime.date(2026, 3, 4)
    assert rate_on("USD", day) == Decimal("10.9400")
    assert set(ExchangeRate.objects.filter(rate_date=day).values_list("currency", flat=True)) == {
        "EUR",
        "USD",
    }
    assert rate_on("EUR", day) == Decimal("11.7210")
    assert FakeClient.calls == 1


class DownClient:
    def exchange_rates(self, day):
        raise bankclient.BankUnavailable("down")

    def close(self):
        pass


def test_no_rate_when_bank_cannot_say(monkeypatch):
    monkeypatch.setattr(bankclient, "get_client", lambda: DownClient())
    assert nok_value("GBP", Decimal("10.00"), datetime.date(2026, 3, 4)) is None


def test_bill_in_currency_booked_in_nok(company_a):
    today = timezone.localdate()
    ExchangeRate.objects.create(currency="EUR", rate_date=today, rate=Decimal("11.7210"))
    s = abroad(company_a)
    bill = bill_create(
        company_a,
        supplier_id=s.pk,
        amount="1000.00",
        due_date=today + datetime.timedelta(days=10),
        message="F-1",
    )
    assert (bill.currency, bill.amount, bill.nok_amount, bill.exchange_rate) == (
        "EUR",
        Decimal("1000.00"),
        Decimal("11721.00"),
        Decimal("11.7210"),
    )
    lines = VoucherLine.objects.filter(voucher=bill.voucher).values_list("ledger_account", "amount")
    assert sorted(lines) == [("2400", Decimal("-11721.00")), ("4000", Decimal("11721.00"))]


def test_bill_in_yen_refuses_decimals(company_a):
    today = timezone.localdate()
    ExchangeRate.objects.create(currency="JPY", rate_date=today, rate=Decimal("0.0712"))
    s = abroad(company_a, currency="JPY")
    with pytest.raises(ValidationFailed) as exc:
        bill_create(company_a, supplier_id=s.pk, amount="1000.50", due_date=today, message="F-2")
    assert "JPY has no decimals" in exc.value.fields["amount"][0]


def test_bill_in_currency_without_rate_refused(company_a, monkeypatch):
    monkeypatch.setattr(bankclient, "get_client", lambda: DownClient())
    s = abroad(company_a, currency="GBP", iban="GB29NWBK60161331926819", bic="NWBKGB2L", country="GB")
    with pytest.raises(ValidationFailed) as exc:
        bill_create(company_a, supplier_id=s.pk, amount="10.00", due_date=timezone.localdate(), message="F-3")
    assert exc.value.code == "no_exchange_rate"
