"""Payments: pain.001 in, pain.002 back, booking on the execution date, camt.054.

Each business rule is provoked on purpose and the reason code read back from the pain.002
at the level the bank reports it (file, batch or transaction). The deduplication tests
hold the bank to "the same MsgId is never executed twice", whatever the bytes.
"""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from banksim import formats
from banksim.models import Account, Customer, DebitNotification, Entry, PaymentFile
from banksim.tests.builders import Batch, Tx, pain001
from banksim.tests.conftest import CLIENT_ACCOUNT, DRIFT, KID_PAYEE, SKATT, SUPPLIER

NS = {"p": formats.NS_PAIN002}
MONDAY = date(2026, 3, 2)
FEE = Decimal("2.00")


def statuses(xml: bytes) -> dict:
    formats.assert_valid("pain.002.001.03", xml)
    root = etree.fromstring(xml)
    out = {
        "group": root.findtext(".//p:OrgnlGrpInfAndSts/p:GrpSts", namespaces=NS),
        "group_reason": root.findtext(".//p:OrgnlGrpInfAndSts/p:StsRsnInf/p:Rsn/p:Cd", namespaces=NS),
        "msg_id": root.findtext(".//p:OrgnlGrpInfAndSts/p:OrgnlMsgId", namespaces=NS),
    }
    for pmt in root.iterfind(".//p:OrgnlPmtInfAndSts", namespaces=NS):
        pid = pmt.findtext("p:OrgnlPmtInfId", namespaces=NS)
        out[pid] = (
            pmt.findtext("p:PmtInfSts", namespaces=NS),
            pmt.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=NS),
        )
        for tx in pmt.iterfind("p:TxInfAndSts", namespaces=NS):
            out[tx.findtext("p:OrgnlEndToEndId", namespaces=NS)] = (
                tx.findtext("p:TxSts", namespaces=NS),
                tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=NS),
            )
    return out


def one(e2e="E1", amount="1000.00", creditor=SUPPLIER, debtor=DRIFT, day=MONDAY, **tx):
    return [Batch("B1", debtor, day, [Tx(e2e, amount, creditor, **tx)])]


def test_rgb_payment_is_booked_on_its_execution_date_with_camt054(integrated_2009):
    integrated = integrated_2009
    before = Account.objects.get(number=DRIFT).balance
    response = integrated.submit(pain001("M1", one()), "M1", "rgb", "TB12345")
    assert response.status_code == 201
    st = statuses(response.content)
    assert (st["group"], st["B1"][0], st["E1"][0]) == ("ACSC", "ACSC", "ACSC")
    assert Account.objects.get(number=DRIFT).balance == before - Decimal("1000.00") - FEE
    note = DebitNotification.objects.get()
    formats.assert_valid("camt.054.001.02", bytes(note.xml))
    root = etree.fromstring(bytes(note.xml))
    ns = {"c": formats.NS_CAMT054}
    assert root.findtext(".//c:Refs/c:PmtInfId", namespaces=ns) == "B1"
    assert root.findtext(".//c:Refs/c:EndToEndId", namespaces=ns) == "E1"
    assert root.findtext(".//c:Ntry/c:Amt", namespaces=ns) == "1000.00"
    download = integrated.get(f"/api/v1/debit-notifications/{note.pk}")
    assert download.content == bytes(note.xml)
    types = [e["type"] for e in integrated.events()]
    assert "debit_notification.created" in types


def test_future_and_weekend_execution_dates(integrated):
    saturday = date(2026, 3, 7)
    xml = pain001(
        "M2",
        [
            Batch("B1", DRIFT, date(2026, 3, 4), [Tx("E1", "10.00", SUPPLIER)]),
            Batch("B2", DRIFT, saturday, [Tx("E2", "20.00", SUPPLIER)]),
        ],
    )
    st = statuses(integrated.submit(xml, "M2", "rgb", "TB12345").content)
    assert st["E1"] == ("ACSP", None) and st["E2"] == ("ACSP", None) and st["group"] == "ACSP"
    integrated.advance(days=2)  # Wednesday 4 March
    st = statuses(integrated.get("/api/v1/payment-files/M2/pain002").content)
    assert st["E1"][0] == "ACSC" and st["E2"][0] == "ACSP"
    integrated.advance(days=3)  # Saturday 7: no banking day, nothing booked
    assert statuses(integrated.get("/api/v1/payment-files/M2/pain002").content)["E2"][0] == "ACSP"
    integrated.advance(days=2)  # Monday 9 books it
    assert statuses(integrated.get("/api/v1/payment-files/M2/pain002").content)["E2"][0] == "ACSC"
    booked = Entry.objects.get(end_to_end_id="E2").booking_date
    assert booked == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("batches", "kwargs", "level", "code"),
    [
        (one(), {"nb_of_txs": 2}, "group", "AM18"),
        (one(), {"ctrl_sum": "999.00"}, "group", "AM10"),
        (
            [Batch("B1", DRIFT, MONDAY, [Tx("E1", "5.00", SUPPLIER)], nb_of_txs=3)],
            {"nb_of_txs": 1},
            "B1",
            "AM18",
        ),
        (
            [Batch("B1", DRIFT, MONDAY, [Tx("E1", "5.00", SUPPLIER)], ctrl_sum="6.00")],
            {"ctrl_sum": "5.00"},
            "B1",
            "AM10",
        ),
        (one(debtor="15032080143"), {}, "B1", "AC01"),
        (one(debtor=CLIENT_ACCOUNT), {}, "B1", "AG01"),
        (one(amount="10.005"), {}, "E1", "AM12"),
        (one(currency="ISK"), {}, "E1", "AM03"),
        (one(creditor="86011117949"), {}, "E1", "AC01"),
        (one(creditor="99990000005"), {}, "E1", "AC01"),
        (one(kid="123456782"), {}, "E1", "AC03"),
        (one(creditor=KID_PAYEE), {}, "E1", "AC03"),
        (one(creditor=KID_PAYEE, kid="123456783"), {}, "E1", "AC03"),
        (one(amount="300000.00"), {}, "E1", "AM04"),
    ],
)
def test_each_rule_gives_its_reason_code(integrated, batches, kwargs, level, code):
    response = integrated.submit(pain001("MR", batches, **kwargs), "MR", "rgb", "TB12345")
    assert response.status_code == 201
    st = statuses(response.content)
    assert st["group"] == "RJCT"
    if level == "group":
        assert st["group_reason"] == code
    else:
        assert st[level] == ("RJCT", code)
    assert not Entry.objects.filter(kind="PAYMENT").exists()


def test_valid_kid_to_kid_payee_and_mod11_kid_pass(integrated):
    batches = [
        Batch(
            "B1",
            DRIFT,
            MONDAY,
            [Tx("E1", "10.00", KID_PAYEE, kid="123456782"), Tx("E2", "10.00", KID_PAYEE, kid="0000531")],
        )
    ]
    st = statuses(integrated.submit(pain001("MK", batches), "MK", "rgb", "TB12345").content)
    assert st["E1"][0] == st["E2"][0] == "ACSC"


def test_one_bad_transaction_gives_part(integrated):
    batches = [
        Batch(
            "B1",
            DRIFT,
            MONDAY,
            [
                Tx("E1", "10.00", SUPPLIER),
                Tx("E2", "10.00", SUPPLIER, kid="123456782"),
                Tx("E1", "3.00", SUPPLIER),
            ],
        )
    ]
    st = statuses(integrated.submit(pain001("MP", batches), "MP", "rgb", "TB12345").content)
    assert st["group"] == "PART" and st["B1"][0] == "PART"
    assert st["E2"] == ("RJCT", "AC03")
    assert Entry.objects.filter(kind="PAYMENT").count() == 1
    assert PaymentFile.objects.get().batches.get().payments.filter(reason="AM05").count() == 1


def test_rgb_approver_rights_and_dual_approval(integrated):
    st = statuses(integrated.submit(pain001("A1", one()), "A1", "rgb", "TB23456").content)
    assert st["B1"] == ("RJCT", "AG08")
    st = statuses(integrated.submit(pain001("A2", one()), "A2", "rgb").content)
    assert st["B1"] == ("RJCT", "AG08")
    Customer.objects.filter(org_number="123456785").update(dual_approval=True)
    st = statuses(integrated.submit(pain001("A3", one()), "A3", "rgb", "TB12345").content)
    assert st["B1"] == ("RJCT", "AG01")
    Customer.objects.filter(org_number="123456785").update(dual_approval=False)
    Account.objects.filter(number=DRIFT).update(rgb_enabled=False)
    st = statuses(integrated.submit(pain001("A4", one()), "A4", "rgb", "TB12345").content)
    assert st["B1"] == ("RJCT", "AG01")


def test_same_msgid_is_the_same_file_and_never_executed_twice(integrated):
    before = Account.objects.get(number=DRIFT).balance
    first = integrated.submit(pain001("D1", one()), "D1", "rgb", "TB12345")
    again = integrated.submit(pain001("D1", one()), "D1", "rgb", "TB12345")
    regenerated = integrated.submit(
        pain001("D1", one(), created_at="2026-03-02T10:00:00"), "D1", "rgb", "TB12345"
    )
    assert (first.status_code, again.status_code, regenerated.status_code) == (201, 200, 200)
    assert first.content == again.content == regenerated.content
    assert again["X-Duplicate"] == "true"
    assert PaymentFile.objects.count() == 1
    assert Account.objects.get(number=DRIFT).balance == before - Decimal("1000.00") - FEE
    mismatch = integrated.submit(pain001("D2", one()), "OTHER", "rgb", "TB12345")
    assert (mismatch.status_code, mismatch.json()["code"]) == (400, "msgid_mismatch")


def test_post_approval_waits_for_the_online_bank(integrated):
    st = statuses(integrated.submit(pain001("P1", one()), "P1").content)
    assert (st["group"], st["B1"][0], st["E1"][0]) == ("ACTC", "ACTC", "PDNG")
    refused = integrated.post("/api/v1/payment-files/P1/approve", {"user_id": "TB23456"})
    assert (refused.status_code, refused.json()["code"]) == (403, "no_approval_rights")
    page = integrated.client.get("/nettbank/TB12345/betalinger/")
    assert "P1" in page.content.decode() and "Godkjenn B1" in page.content.decode()
    integrated.client.post("/nettbank/TB12345/betalinger/", {"action": "P1|B1"})
    st = statuses(integrated.get("/api/v1/payment-files/P1/pain002").content)
    assert st["E1"][0] == "ACSC"
    again = integrated.post("/api/v1/payment-files/P1/approve", {"user_id": "TB12345"})
    assert again.json()["code"] == "nothing_to_approve"


def test_dual_approval_needs_two_approvers(integrated):
    Customer.objects.filter(org_number="123456785").update(dual_approval=True)
    integrated.sim(
        "/sim/customers",
        {
            "org_number": "123456785",
            "name": "Demo Regnskap AS",
            "subscription": "integrated",
            "dual_approval": True,
            "users": [{"user_id": "TB45678", "name": "Andre", "approval_accounts": [DRIFT]}],
        },
    )
    integrated.submit(pain001("P2", one()), "P2")
    first = integrated.post("/api/v1/payment-files/P2/approve", {"user_id": "TB12345"}).json()
    assert first["batches"][0]["approvals"] == ["TB12345"] and first["status"] == "ACTC"
    twice = integrated.post("/api/v1/payment-files/P2/approve", {"user_id": "TB12345"})
    assert twice.json()["code"] == "already_approved"
    second = integrated.post("/api/v1/payment-files/P2/approve", {"user_id": "TB45678"}).json()
    assert second["status"] == "ACSC"


def test_unreadable_files_get_400_with_a_code(integrated):
    cases = [
        (b"not xml at all", "invalid_xml"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.08'/>", "unsupported_format"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'/>", "xsd_invalid"),
        (pain001("X1", one()).replace(b"<PmtMtd>TRF</PmtMtd>", b""), "xsd_invalid"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
            "unsupported_format",
        ),
    ]
    for body, code in cases:
        response = integrated.submit(body, "")
        assert response.status_code == 400, body
        assert response.json()["code"] == code
    assert integrated.submit(pain001("X2", one()), "X2", "auto").json()["code"] == "invalid_approval_mode"


def test_payment_to_a_simulated_ocr_account_arrives_in_its_ocr_file(integrated):
    integrated.sim(
        "/sim/customers",
        {
            "org_number": "987654325",
            "name": "Demo Klient AS",
            "subscription": "integrated",
            "accounts": [{"number": CLIENT_ACCOUNT, "remittance": True, "rgb_enabled": True}],
            "users": [{"user_id": "TB34567", "name": "K", "approval_accounts": [CLIENT_ACCOUNT]}],
        },
    )
    batches = [Batch("B1", CLIENT_ACCOUNT, MONDAY, [Tx("E9", "1250.50", DRIFT, kid="000001230")])]
    st = statuses(
        integrated.submit(pain001("I1", batches, org_number="987654325"), "I1", "rgb", "TB34567").content
    )
    assert st["E9"][0] == "ACSC"
    integrated.advance(days=1)
    [event] = [e for e in integrated.events() if e["type"] == "ocr_file.created"]
    assert event["data"]["total"] == "1250.50"
    text = integrated.get(f"/api/v1/ocr-files/{event['resource_id']}").content.decode("latin-1")
    assert "000001230" in text and SKATT not in text
