"""Payments abroad and in currency, and the 2019 messages: a pain.001.001.09 is answered with
a pain.002.001.10, each rule a real bank applies refuses one payment with its reason code,
and a currency payment is booked at the bank's rate of the booking day with both amounts and
the rate in a camt.054.001.08 (and the day's camt.053.001.08)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from lxml import etree

from banksim import formats
from banksim.models import Account, BankUser, DebitNotification, Entry, Payment, Statement
from banksim.services import rates
from banksim.tests.builders import Batch, Tx, pain001
from banksim.tests.conftest import DRIFT, SUPPLIER

MONDAY = date(2026, 3, 2)
FEE = Decimal("2.00")
EURO_ACCOUNT = "15032080003"
UETR = "3f2b7c1e-9a4d-4e8f-b1c2-5d6e7f8a9b0c"
SEPA = {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "town": "Berlin", "country": "DE"}
ABROAD = {"iban": "GB29NWBK60161331926819", "bic": "NWBKGB2L", "town": "London", "country": "GB"}
P10 = {"p": formats.NS_PAIN002_V10}


def statuses(xml: bytes) -> dict:
    root = etree.fromstring(xml)
    assert etree.QName(root).namespace == formats.NS_PAIN002_V10
    return {
        tx.findtext("p:OrgnlEndToEndId", namespaces=P10): (
            tx.findtext("p:TxSts", namespaces=P10),
            tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=P10),
        )
        for tx in root.iterfind(".//p:TxInfAndSts", namespaces=P10)
    }


def send(bank, *txs: Tx, debtor=DRIFT, day=MONDAY, msg_id="A1"):
    xml = pain001(msg_id, [Batch("B1", debtor, day, list(txs))], version="09")
    return bank.submit(xml, msg_id, "rgb", "TB12345")


def abroad_tx(e2e="E1", amount="1000.00", currency="EUR", to=SEPA, **kw) -> Tx:
    fields = {**to, **kw}
    return Tx(e2e, amount, "", creditor_name="Lieferant GmbH", currency=currency, **fields)


@pytest.fixture
def euro_account(integrated):
    """A EUR currency account of the demo customer, with remittance and RgB on a 2019 agreement."""
    integrated.sim(
        "/sim/customers",
        {
            "org_number": "123456785",
            "name": "Demo Regnskap AS",
            "subscription": "integrated",
            "accounts": [
                {
                    "number": EURO_ACCOUNT,
                    "name": "Valutakonto EUR",
                    "currency": "EUR",
                    "balance": "5000.00",
                    "remittance": True,
                    "rgb_enabled": True,
                }
            ],
        },
    )
    BankUser.objects.get(user_id="TB12345").approval_accounts.add(Account.objects.get(number=EURO_ACCOUNT))
    return integrated


def test_new_agreements_are_on_2019_and_say_so(integrated, demo):
    order = integrated.get("/api/v1/service-orders/1").json()
    assert {r["payment_file_version"] for r in order["results"]} == {"pain.001.001.09"}
    accounts = integrated.get("/api/v1/customers/123456785").json()["accounts"]
    assert {a["number"]: a["payment_file_version"] for a in accounts} == {
        DRIFT: "pain.001.001.09",
        "15032080127": "pain.001.001.09",
    }
    assert {a["currency"] for a in accounts} == {"NOK"}
    client = integrated.get("/api/v1/customers/987654325").json()["accounts"][0]
    assert client["payment_file_version"] is None  # no remittance agreement


def test_old_agreements_stay_on_2009_and_refuse_a_2019_file(integrated_2009):
    accounts = integrated_2009.get("/api/v1/customers/123456785").json()["accounts"]
    assert {a["payment_file_version"] for a in accounts} == {"pain.001.001.03"}
    response = send(integrated_2009, Tx("E1", "100.00", SUPPLIER))
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_format"
    assert "pain.001.001.03" in response.json()["detail"]


def test_a_2009_file_is_still_taken_on_a_2019_agreement(integrated):
    xml = pain001("OLD", [Batch("B1", DRIFT, MONDAY, [Tx("E1", "100.00", SUPPLIER)])])
    response = integrated.submit(xml, "OLD", "rgb", "TB12345")
    assert response.status_code == 201
    assert etree.QName(etree.fromstring(response.content)).namespace == formats.NS_PAIN002


def test_domestic_payment_in_a_2019_file(integrated):
    response = send(integrated, Tx("E1", "100.00", SUPPLIER, uetr=UETR))
    assert response.status_code == 201
    assert statuses(response.content) == {"E1": ("ACSC", None)}
    root = etree.fromstring(response.content)
    assert root.findtext(".//p:OrgnlMsgNmId", namespaces=P10) == "pain.001.001.09"
    assert root.findtext(".//p:OrgnlUETR", namespaces=P10) == UETR
    assert root.findtext(".//p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=P10) == "DNBANOKK"


@pytest.mark.parametrize(
    ("tx", "day", "code"),
    [
        (abroad_tx(iban="DE89370400440532013001"), MONDAY, "AC01"),
        (abroad_tx(bic="COBAXXFF"), MONDAY, "RC01"),  # no country XX
        (abroad_tx(bic="NWBKGB2L"), MONDAY, "RC01"),  # a British bank for a German account
        (
            abroad_tx(town="", country="", address_lines=("Hauptstr. 1", "10115 Berlin")),
            date(2026, 11, 16),
            "RR03",
        ),
        (abroad_tx(currency="USD", to=ABROAD, town="", country=""), date(2026, 11, 16), "RR03"),
        (abroad_tx(currency="USD", to=ABROAD, amount="20000.00"), MONDAY, "RR05"),
        (abroad_tx(amount="9000.00", regulatory_code="1", regulatory_text="Varer"), MONDAY, "RR05"),
        (abroad_tx(currency="ISK", amount="1000"), MONDAY, "AM03"),
        (abroad_tx(currency="JPY", amount="1000.50", to=ABROAD), MONDAY, "AM12"),
    ],
)
def test_each_rule_abroad_gives_its_reason_code(integrated, tx, day, code):
    response = send(integrated, tx, day=day)
    assert response.status_code == 201
    assert statuses(response.content)["E1"] == ("RJCT", code)
    payment = Payment.objects.get(end_to_end_id="E1")
    assert payment.reason == code and payment.reason_text  # a Norwegian sentence
    assert not Entry.objects.filter(kind="PAYMENT").exists()


@pytest.mark.parametrize(
    ("tx", "day"),
    [
        # Unstructured addresses are taken until 15 November 2026; a SEPA payment may have none.
        (abroad_tx(town="", country="", address_lines=("Hauptstr. 1", "10115 Berlin")), date(2026, 11, 13)),
        (abroad_tx(town="", country=""), date(2026, 11, 16)),
        (abroad_tx(address_lines=("Hauptstr. 1",)), date(2026, 11, 16)),  # hybrid: lines + town, country
        (abroad_tx(bic=""), MONDAY),  # an IBAN alone will do
        (
            abroad_tx(
                currency="USD", to=ABROAD, amount="20000.00", regulatory_code="14", regulatory_text="Varer"
            ),
            MONDAY,
        ),
        (abroad_tx(currency="JPY", amount="100000", to=ABROAD), MONDAY),
    ],
)
def test_what_the_rules_let_through(integrated, tx, day):
    response = send(integrated, tx, day=day)
    assert statuses(response.content)["E1"][0] in ("ACSP", "ACSC")


def test_currency_account_pays_only_its_currency(euro_account):
    refused = send(euro_account, abroad_tx(currency="USD", to=ABROAD), debtor=EURO_ACCOUNT)
    assert statuses(refused.content)["E1"] == ("RJCT", "AM03")
    taken = send(euro_account, abroad_tx("E2", "1000.00"), debtor=EURO_ACCOUNT, msg_id="A2")
    assert statuses(taken.content)["E2"] == ("ACSC", None)
    account = Account.objects.get(number=EURO_ACCOUNT)
    fee_eur = (FEE / rates.rate("EUR", MONDAY)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert account.balance == Decimal("5000.00") - Decimal("1000.00") - fee_eur
    payment = Payment.objects.get(end_to_end_id="E2")
    assert (payment.booked_amount, payment.exchange_rate) == (Decimal("1000.00"), None)
    note = DebitNotification.objects.get(account=account)
    root = etree.fromstring(bytes(note.xml))
    ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"}
    assert root.findtext(".//c:Ntfctn/c:Acct/c:Ccy", namespaces=ns) == "EUR"
    assert root.find(".//c:Ntry/c:Amt", namespaces=ns).attrib["Ccy"] == "EUR"
    assert root.find(".//c:CcyXchg", namespaces=ns) is None


def test_currency_payment_is_booked_at_the_days_rate(integrated):
    before = Account.objects.get(number=DRIFT).balance
    tx = abroad_tx(
        currency="USD",
        to=ABROAD,
        amount="12345.67",
        regulatory_code="14",
        regulatory_text="Kjøp av varer",
        uetr=UETR,
        street="1 Main Street",
    )
    response = send(integrated, tx)
    assert statuses(response.content)["E1"] == ("ACSC", None)
    rate = rates.rate("USD", MONDAY)
    nok = (Decimal("12345.67") * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Account.objects.get(number=DRIFT).balance == before - nok - FEE
    payment = Payment.objects.get(end_to_end_id="E1")
    assert (payment.booked_amount, payment.exchange_rate, payment.uetr) == (nok, rate, UETR)
    public = integrated.get("/api/v1/payment-files/A1").json()["batches"][0]["payments"][0]
    assert (public["currency"], public["booked_amount"], public["uetr"]) == ("USD", f"{nok}", UETR)

    note = DebitNotification.objects.get()
    formats.assert_valid("camt.054.001.08", bytes(note.xml))
    root = etree.fromstring(bytes(note.xml))
    ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"}
    entry = root.find(".//c:Ntry", namespaces=ns)
    assert (entry.findtext("c:Amt", namespaces=ns), entry.find("c:Amt", namespaces=ns).get("Ccy")) == (
        f"{nok}",
        "NOK",
    )
    assert entry.findtext("c:Sts/c:Cd", namespaces=ns) == "BOOK"
    tx_el = entry.find("c:NtryDtls/c:TxDtls", namespaces=ns)
    assert tx_el.findtext("c:Refs/c:EndToEndId", namespaces=ns) == "E1"
    assert tx_el.findtext("c:Refs/c:UETR", namespaces=ns) == UETR
    instructed = tx_el.find("c:AmtDtls/c:InstdAmt/c:Amt", namespaces=ns)
    assert (instructed.text, instructed.get("Ccy")) == ("12345.67", "USD")
    booked = tx_el.find("c:AmtDtls/c:TxAmt", namespaces=ns)
    assert booked.findtext("c:Amt", namespaces=ns) == f"{nok}"
    xchg = booked.find("c:CcyXchg", namespaces=ns)
    assert (xchg.findtext("c:SrcCcy", namespaces=ns), xchg.findtext("c:TrgtCcy", namespaces=ns)) == (
        "USD",
        "NOK",
    )
    assert Decimal(xchg.findtext("c:XchgRate", namespaces=ns)) == rate
    assert entry.findtext("c:BkTxCd/c:Domn/c:Fmly/c:SubFmlyCd", namespaces=ns) == "XBCT"

    integrated.advance(days=1)
    statement = Statement.objects.get(account__number=DRIFT, statement_date=MONDAY)
    formats.assert_valid("camt.053.001.08", bytes(statement.xml))
    root = etree.fromstring(bytes(statement.xml))
    ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"}
    assert root.findtext(".//c:Refs/c:UETR", namespaces=ns) == UETR
    assert root.findtext(".//c:AmtDtls/c:InstdAmt/c:Amt", namespaces=ns) == "12345.67"
    assert Decimal(root.findtext(".//c:CcyXchg/c:XchgRate", namespaces=ns)) == rate


def test_a_weekend_payment_is_booked_at_mondays_rate(integrated):
    send(integrated, abroad_tx(amount="100.00"), day=date(2026, 3, 7))  # Saturday
    integrated.advance(days=7)
    payment = Payment.objects.get(end_to_end_id="E1")
    assert payment.booked_date == date(2026, 3, 9)
    assert payment.exchange_rate == rates.rate("EUR", date(2026, 3, 9))


def test_the_banks_words_for_currency_amounts():
    from banksim import words

    assert words.belop(Decimal("1000.5"), "EUR") == "EUR 1\u00a0000,50"
    assert words.belop(Decimal("100000"), "JPY") == "JPY 100\u00a0000"
    assert words.belop(Decimal("12.3")) == "12,30"


def test_the_online_bank_shows_a_currency_batch_in_its_currency(integrated):
    xml = pain001("PA", [Batch("B1", DRIFT, MONDAY, [abroad_tx(amount="1000.00")])], version="09")
    integrated.submit(xml, "PA")  # post-approval
    page = integrated.client.get("/nettbank/TB12345/betalinger/")
    assert "EUR 1\u00a0000,00" in page.content.decode()
