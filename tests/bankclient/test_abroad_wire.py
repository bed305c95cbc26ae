"""The 2019 wire end to end: the portal's own pain.001.001.09 writer → banksim → the portal's
own readers of what banksim answers (pain.002.001.10, camt.054.001.08, camt.053.001.08).

Both sides speak the formats independently (neither imports the other), so this is where a
disagreement about a currency payment — both amounts, the rate, the UETR — shows up.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from bankclient import BankClient
from iso20022.camt053 import parse_camt053
from iso20022.camt054 import parse_camt054
from iso20022.pain001.model import (
    Pain001Batch,
    Pain001Message,
    Pain001Payment,
    PostalAddress,
    RegulatoryReport,
)
from iso20022.pain001.v09 import build_pain001_v09
from iso20022.pain002 import parse_pain002

DRIFT, SKATT = "15032080119", "15032080127"
MONDAY = date(2026, 3, 2)
UETR_USD = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
UETR_EUR = "1a2b3c4d-5e6f-4a7b-9c8d-0e1f2a3b4c5d"


def _order(client: BankClient, sim):
    order = client.create_service_order(
        org_number="123456785",
        accounts=[DRIFT, SKATT],
        services=("remittance", "incoming_reconciliation", "rgb"),
    )
    sim.sim_confirm_order(order.wizard_url)
    sim.sim_advance_clock(seconds=3600)
    return client.get_service_order(order.id)


def _file(msg_id: str) -> bytes:
    usd = Pain001Payment(
        end_to_end_id="E-USD",
        amount=Decimal("12000.00"),
        creditor_name="Supplier Ltd",
        creditor_account="GB29NWBK60161331926819",
        currency="USD",
        creditor_bic="NWBKGB2L",
        creditor_address=PostalAddress(
            town="London", country="GB", street="High Street", building_number="1"
        ),
        uetr=UETR_USD,
        reporting_required=True,
        regulatory_report=RegulatoryReport(code="14", text="Kjøp av varer"),
        message="Invoice 4711",
    )
    eur = Pain001Payment(
        end_to_end_id="E-EUR",
        amount=Decimal("250.50"),
        creditor_name="Lieferant GmbH",
        creditor_account="DE89370400440532013000",
        currency="EUR",
        creditor_bic="COBADEFFXXX",
        creditor_address=PostalAddress(town="Berlin", country="DE"),
        uetr=UETR_EUR,
        reporting_required=False,
        message="Rechnung 17",
    )
    batch = Pain001Batch(
        pmt_inf_id="B-ABROAD",
        execution_date=MONDAY,
        debtor_name="Demo Regnskap AS",
        debtor_org_number="123456785",
        debtor_account=DRIFT,
        payments=(usd, eur),
    )
    return build_pain001_v09(
        Pain001Message(
            msg_id=msg_id,
            created_at=datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Oslo")),
            initiating_party_name="Demo Regnskap AS",
            initiating_party_org_number="123456785",
            batches=(batch,),
        )
    )


def test_order_results_and_customer_carry_the_2019_version(client, sim):
    order = _order(client, sim)
    assert {r.payment_file_version for r in order.results} == {"pain.001.001.09"}
    accounts = {a.number: a for a in client.get_customer("123456785").accounts}
    assert accounts[DRIFT].payment_file_version == "pain.001.001.09" and accounts[DRIFT].currency == "NOK"


def test_currency_payments_read_back_by_the_portals_readers(client, sim):
    _order(client, sim)
    rates = client.exchange_rates(MONDAY)
    answer = client.submit_pain001(
        _file("M-ABROAD"), msg_id="M-ABROAD", approval_mode="rgb", approved_by=["TB12345"]
    )
    report = parse_pain002(answer.content)
    assert report.original_msg_name == "pain.001.001.09"
    statuses = {tx.end_to_end_id: (tx.status, tx.uetr) for _b, tx in report.transactions()}
    assert statuses == {"E-USD": ("ACSC", UETR_USD), "E-EUR": ("ACSC", UETR_EUR)}

    nok = {
        "E-USD": (Decimal("12000.00") * rates["USD"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        "E-EUR": (Decimal("250.50") * rates["EUR"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    }
    events = client.changes(0, limit=1000).events
    note_id = int(next(e for e in events if e.type == "debit_notification.created").resource_id)
    notification = parse_camt054(client.download_debit_notification(note_id))
    assert notification.version == "camt.054.001.08"
    read = {tx.end_to_end_id: (entry, tx) for _n, entry, tx in notification.transactions()}
    for e2e, currency, amount, uetr in (
        ("E-USD", "USD", Decimal("12000.00"), UETR_USD),
        ("E-EUR", "EUR", Decimal("250.50"), UETR_EUR),
    ):
        entry, tx = read[e2e]
        assert (entry.amount, entry.currency, tx.amount, tx.currency) == (nok[e2e], "NOK", nok[e2e], "NOK")
        assert tx.uetr == uetr
        assert (tx.foreign.amount, tx.foreign.currency, tx.foreign.rate) == (
            amount,
            currency,
            rates[currency],
        )
        assert (tx.foreign.source_currency, tx.foreign.target_currency) == (currency, "NOK")

    sim.sim_advance_clock(days=1)
    events = client.changes(0, limit=1000).events
    statement_id = next(
        int(e.resource_id) for e in events if e.type == "statement.created" and e.data["account"] == DRIFT
    )
    (statement,) = parse_camt053(client.download_statement(statement_id))
    txs = {tx.end_to_end_id: tx for entry in statement.entries for tx in entry.transactions}
    assert txs["E-USD"].amount == nok["E-USD"] and txs["E-USD"].uetr == UETR_USD
    assert txs["E-USD"].foreign.amount == Decimal("12000.00") and txs["E-USD"].foreign.rate == rates["USD"]
    assert txs["E-EUR"].foreign.currency == "EUR"
