"""bankclient against a real banksim server: every operation, every fault mode.

These pin the wire contract from the portal's side: what each method returns as DTOs, that
a refusal is ``BankRejected`` with the bank's code, and that every kind of misbehaviour the
simulator can be switched into arrives as ``BankUnavailable`` (or, for duplicates and
malformed files, as data the portal must be able to reject itself).
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import netsgiro
import pytest
from lxml import etree

from bankclient import BankClient, BankRejected, BankUnavailable, get_client
from tests.bankclient.pain001 import pain001

DRIFT, SKATT, CLIENT_ACCOUNT = "15032080119", "15032080127", "15032080135"
SUPPLIER, KID_PAYEE = "86011117955", "86011117947"
MONDAY = date(2026, 3, 2)
P2 = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"}


def _complete_order(client: BankClient, sim, services=("remittance", "incoming_reconciliation", "rgb"), **kw):
    order = client.create_service_order(
        org_number="123456785", accounts=[DRIFT, SKATT], services=services, **kw
    )
    sim.sim_confirm_order(order.wizard_url)
    sim.sim_advance_clock(seconds=3600)
    return client.get_service_order(order.id)


def _tx_status(xml: bytes) -> dict[str, tuple[str, str | None]]:
    root = etree.fromstring(xml)
    return {
        tx.findtext("p:OrgnlEndToEndId", namespaces=P2): (
            tx.findtext("p:TxSts", namespaces=P2),
            tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=P2),
        )
        for tx in root.iterfind(".//p:TxInfAndSts", namespaces=P2)
    }


def test_get_client_reads_settings(settings):
    settings.BANK_API_URL, settings.BANK_API_KEY, settings.BANK_TIMEOUT_SECONDS = "http://bank.test/", "k", 3
    bank = get_client()
    assert (bank.base_url, bank.timeout, bank.session.headers["X-Api-Key"]) == ("http://bank.test", 3.0, "k")


def test_service_order_round_trip(client, sim):
    order = client.create_service_order(
        org_number="123456785",
        accounts=[DRIFT],
        services=["remittance", "nets_ocr"],
        fee_account="7770",
        kid_length=9,
        kid_check="MOD10",
        reference="erp-order-1",
    )
    assert order.status == "AWAITING_CONFIRMATION" and order.wizard_url.startswith(sim.base_url)
    assert (
        client.create_service_order(
            org_number="123456785", accounts=[DRIFT], services=["remittance"], reference="erp-order-1"
        ).id
        == order.id
    )
    sim.sim_confirm_order(order.wizard_url)
    assert client.get_service_order(order.id).status == "PROCESSING"
    sim.sim_advance_clock(seconds=3600)
    done = client.get_service_order(order.id)
    assert done.status == "COMPLETED" and done.subscription_upgraded
    [result] = done.results
    assert result.account == DRIFT and result.agreement_id and result.division_number
    assert {s.service: s.status for s in result.services} == {"remittance": "ok", "nets_ocr": "ok"}
    customer = client.get_customer("123456785")
    assert customer.subscription == "integrated"
    assert customer.accounts[0].balance == Decimal("250000.00")


def test_kid_mismatch_and_rejections_come_back_as_data(client, sim):
    done = _complete_order(client, sim, services=["nets_ocr"], kid_length=10, kid_check="MOD11")
    assert (done.status, done.code) == ("PARTIALLY_COMPLETED", "kid_mismatch")
    assert "lengde 10, MOD11" in done.message and "lengde 9, MOD10" in done.message


def test_bad_requests_are_bank_rejected_with_a_code(client):
    with pytest.raises(BankRejected) as err:
        client.create_service_order(org_number="123456784", accounts=[DRIFT], services=["remittance"])
    assert (err.value.code, err.value.status) == ("invalid_org_number", 400)
    with pytest.raises(BankRejected) as err:
        client.get_service_order(999999)
    assert err.value.code == "not_found"
    with pytest.raises(BankRejected) as err:
        BankClient(client.base_url, "wrong-key", 5).changes()
    assert err.value.code == "unauthorized"


def test_payments_rgb_and_post_approval(client, sim):
    _complete_order(client, sim)
    xml = pain001(
        "MSG-1", DRIFT, MONDAY, [("E1", "100.00", SUPPLIER, ""), ("E2", "5.00", KID_PAYEE, "123456783")]
    )
    answer = client.submit_pain001(xml, msg_id="MSG-1", approval_mode="rgb", approved_by=["TB12345"])
    assert not answer.duplicate
    assert _tx_status(answer.content) == {"E1": ("ACSC", None), "E2": ("RJCT", "AC03")}
    again = client.submit_pain001(xml, msg_id="MSG-1", approval_mode="rgb", approved_by=["TB12345"])
    assert again.duplicate and again.content == answer.content
    assert client.get_pain002("MSG-1") == answer.content
    status = client.get_payment_file("MSG-1")
    assert status.status == "PART"
    assert status.batches[0].payments[0].amount == Decimal("100.00")
    assert status.batches[0].payments[0].booked_date == MONDAY

    xml = pain001("MSG-2", DRIFT, MONDAY, [("E3", "10.00", SUPPLIER, "")])
    assert _tx_status(client.submit_pain001(xml, msg_id="MSG-2").content) == {"E3": ("PDNG", None)}
    with pytest.raises(BankRejected) as err:
        sim.sim_approve_payments("MSG-2", "TB23456")
    assert err.value.code == "no_approval_rights"
    assert sim.sim_approve_payments("MSG-2", "TB12345").status == "ACSC"

    page = client.changes(0, limit=1000)
    notes = [e for e in page.events if e.type == "debit_notification.created"]
    assert {e.data["msg_id"] for e in notes} == {"MSG-1", "MSG-2"}
    camt054 = client.download_debit_notification(int(notes[0].resource_id))
    assert b"<EndToEndId>E1</EndToEndId>" in camt054


def test_statements_and_ocr_files(client, sim):
    _complete_order(client, sim)
    assert (
        sim.sim_inject_transaction(account=DRIFT, amount="1500.00", kid="000001230", payer_account=SUPPLIER)[
            "kind"
        ]
        == "ocr_pending"
    )
    assert sim.sim_inject_transaction(account=DRIFT, amount="99.90", text="Renter")["kind"] == "booked"
    sim.sim_advance_clock(days=1)
    events = client.changes(0, limit=1000).events
    [ocr] = [e for e in events if e.type == "ocr_file.created"]
    text = client.download_ocr_file(int(ocr.resource_id)).decode("latin-1")
    transmission = netsgiro.parse(text)
    assert transmission.data_recipient == "00105625"
    assert transmission.get_total_amount() == Decimal("1500.00")
    assert client.download_ocr_file(int(ocr.resource_id)).decode("latin-1") == text  # idempotent
    [statement] = [e for e in events if e.type == "statement.created" and e.data["account"] == DRIFT]
    assert Decimal(statement.data["closing_balance"]) - Decimal(statement.data["opening_balance"]) == Decimal(
        "1599.90"
    )
    xml = client.download_statement(int(statement.resource_id))
    assert b"<Cd>OPBD</Cd>" in xml and b"1500.00" in xml


def test_feed_pagination_costs_requests_in_proportion_to_changes(client, sim):
    for n in range(5):
        client.start_signing(name=f"Person {n}", text="Godkjenn")
    first = client.changes(0, limit=2)
    assert len(first.events) == 2 and first.has_more
    rest = client.changes(first.next_cursor, limit=100)
    assert not rest.has_more and next(e.id for e in rest.events) == first.next_cursor + 1
    idle = client.changes(rest.next_cursor)
    assert idle.events == () and idle.next_cursor == rest.next_cursor


def test_signing_online_bank_application_and_rgb_order(client, sim):
    session = client.start_signing(
        name="Kari Nordmann", text="Godkjenn betalinger", national_id="15108695088"
    )
    assert session.status == "PENDING" and session.national_id == "151086 *****"
    sim.sim_sign(session.url)
    done = client.get_signing(session.id)
    assert done.status == "COMPLETE" and done.signature_ref.startswith("BID-")
    expiring = client.start_signing(name="Ola", text="x")
    sim.sim_advance_clock(seconds=301)
    assert client.get_signing(expiring.id).status == "EXPIRED"

    application = client.create_online_bank_application(org_number="974760673", company_name="Ny Kunde AS")
    assert application.status == "DRAFT" and "/nettbankavtale/" in application.url
    assert client.get_online_bank_application(application.id).id == application.id

    rgb = client.create_rgb_order(org_number="123456785", accounts=[DRIFT], vendor="PowerOffice GO")
    assert rgb.status == "AWAITING_USER" and client.get_rgb_order(rgb.id).vendor == "PowerOffice GO"
    with pytest.raises(BankRejected) as err:
        client.create_rgb_order(vendor="Visma eAccounting")
    assert err.value.code == "unsupported_vendor"


@pytest.mark.parametrize("mode", ["error_500", "error_503"])
def test_5xx_is_unavailable(client, sim, mode):
    client.start_signing(name="A", text="x")
    sim.sim_set_fault("changes", mode)
    with pytest.raises(BankUnavailable) as err:
        client.changes()
    assert err.value.status == int(mode[-3:])
    if mode == "error_503":
        assert err.value.retry_after == 1.0
    sim.sim_clear_faults()
    assert client.changes().events


def test_timeout_is_unavailable_within_the_client_limit_and_msgid_saves_the_retry(fast_client, client, sim):
    _complete_order(client, sim)
    sim.sim_set_fault("payment_file_submit", "timeout", delay_seconds=10)
    xml = pain001("MSG-T", DRIFT, MONDAY, [("E1", "100.00", SUPPLIER, "")])
    started = time.monotonic()
    with pytest.raises(BankUnavailable):
        fast_client.submit_pain001(xml, msg_id="MSG-T", approval_mode="rgb", approved_by=["TB12345"])
    assert time.monotonic() - started < 8  # gave up at its own limit, not when the bank answered
    sim.sim_clear_faults()
    retry = client.submit_pain001(xml, msg_id="MSG-T", approval_mode="rgb", approved_by=["TB12345"])
    assert retry.duplicate  # the bank executed the first attempt: the retry is the same file
    assert sim.sim_state()["payments"] == {"ACSC": 1}


def test_drop_is_unavailable(client, sim):
    sim.sim_set_fault("customer_detail", "drop")
    with pytest.raises(BankUnavailable):
        client.get_customer("123456785")


def test_duplicate_delivers_events_twice(client, sim):
    client.start_signing(name="A", text="x")
    sim.sim_set_fault("changes", "duplicate")
    events = client.changes().events
    assert len(events) == 2 and events[0] == events[1]


def test_malformed_files_are_corrupted(client, sim):
    _complete_order(client, sim)
    sim.sim_inject_transaction(account=DRIFT, amount="10.00", kid="000001230")
    sim.sim_advance_clock(days=1)
    events = client.changes(0, limit=1000).events
    ocr_id = int(next(e for e in events if e.type == "ocr_file.created").resource_id)
    statement_id = int(next(e for e in events if e.type == "statement.created").resource_id)
    good_ocr, good_xml = client.download_ocr_file(ocr_id), client.download_statement(statement_id)
    sim.sim_set_fault("*", "malformed")
    bad_ocr, bad_xml = client.download_ocr_file(ocr_id), client.download_statement(statement_id)
    assert len(bad_ocr) == len(good_ocr) and bad_ocr != good_ocr
    end = next(line for line in bad_ocr.decode("latin-1").splitlines() if line.startswith("NY000089"))
    assert int(end[24:41]) == 1001  # 10.00 kr in øre, plus the one øre the fault adds
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(bad_xml)
    assert good_xml.startswith(bad_xml)
    with pytest.raises(BankUnavailable):  # cut-off JSON on a 200 is ambiguous, not an answer
        client.changes()


def test_seeded_faults_repeat(client, sim):
    def run():
        sim.sim_set_fault("changes", "error_500", rate=0.5, seed=42)
        outcome = []
        for _ in range(12):
            try:
                client.changes(limit=1)
                outcome.append("ok")
            except BankUnavailable:
                outcome.append("fail")
        return outcome

    first, second = run(), run()
    assert first == second and "ok" in first and "fail" in first


def test_exchange_rates(client, sim):
    today = client.exchange_rates()
    assert set(today) >= {"EUR", "USD", "SEK", "DKK", "GBP"}
    assert all(isinstance(r, Decimal) and r > 0 for r in today.values())
    assert client.exchange_rates(MONDAY) == today  # the sim's clock reads Monday 2 March 2026
    friday, saturday = client.exchange_rates(date(2026, 3, 6)), client.exchange_rates(date(2026, 3, 7))
    assert friday == saturday and friday != today
    sim.sim_set_fault("fx_rates", "error_503")
    with pytest.raises(BankUnavailable):
        client.exchange_rates()
    sim.sim_set_fault("fx_rates", "malformed")
    with pytest.raises(BankUnavailable):
        client.exchange_rates()
