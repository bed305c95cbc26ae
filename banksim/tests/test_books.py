"""Statements and OCR files over time: balances that add up day after day, and Nets files
that netsgiro reads back with the totals the statements credited.

The 60-day test drives random activity (payments, transfers, KID payments, weekends and
Easter) through the public controls and then checks every statement against the previous
one and against the account's balance, and every emitted file against its official XSD.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

import netsgiro
import pytest
from lxml import etree

from banksim import formats
from banksim.models import Account, DebitNotification, OcrFile, Statement
from banksim.tests.builders import Batch, Tx, pain001
from banksim.tests.conftest import CLIENT_ACCOUNT, DRIFT, SKATT, SUPPLIER


def _ns(root) -> dict:
    """The camt namespace of ``root``: .001.02 or .001.08, by the account's agreement."""
    return {"c": etree.QName(root).namespace}


def _balances(xml: bytes) -> tuple[Decimal, Decimal, Decimal]:
    root = etree.fromstring(xml)
    NS = _ns(root)
    values = {}
    for bal in root.iterfind(".//c:Bal", namespaces=NS):
        sign = -1 if bal.findtext("c:CdtDbtInd", namespaces=NS) == "DBIT" else 1
        values[bal.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=NS)] = sign * Decimal(
            bal.findtext("c:Amt", namespaces=NS)
        )
    entries = sum(
        (
            (-1 if n.findtext("c:CdtDbtInd", namespaces=NS) == "DBIT" else 1)
            * Decimal(n.findtext("c:Amt", namespaces=NS))
            for n in root.iterfind(".//c:Ntry", namespaces=NS)
        ),
        Decimal(0),
    )
    return values["OPBD"], entries, values["CLBD"]


def test_sixty_days_of_random_activity_add_up(integrated):
    rng = random.Random(7)
    day = date(2026, 3, 2)
    n = 0
    for _ in range(60):
        for _ in range(rng.randint(0, 3)):
            n += 1
            kind = rng.choice(["pay", "transfer", "kid", "kid"])
            amount = f"{rng.randint(1, 400000) / 100:.2f}"
            if kind == "pay":
                execution = day + timedelta(days=rng.randint(0, 4))
                xml = pain001(f"M{n}", [Batch(f"B{n}", DRIFT, execution, [Tx(f"E{n}", amount, SUPPLIER)])])
                assert integrated.submit(xml, f"M{n}", "rgb", "TB12345").status_code == 201
            elif kind == "transfer":
                integrated.sim(
                    "/sim/transactions",
                    {"account": rng.choice([DRIFT, SKATT]), "amount": amount, "payer_name": "Kunde"},
                )
            else:
                kid = formats.kid_make(f"{rng.randint(0, 10**8 - 1):08d}", "MOD10")
                integrated.sim("/sim/transactions", {"account": DRIFT, "amount": amount, "kid": kid})
        integrated.advance(days=1)
        day += timedelta(days=1)

    for number in (DRIFT, SKATT):
        account = Account.objects.get(number=number)
        statements = list(Statement.objects.filter(account=account).order_by("statement_date"))
        assert [s.statement_date for s in statements] == [
            date(2026, 3, 2) + timedelta(days=i) for i in range(60)
        ]
        assert [s.sequence for s in statements] == list(range(1, 61))
        previous_closing = account.initial_balance
        for s in statements:
            formats.assert_valid(
                f"camt.053.001.{formats.CAMT_FOR[account.payment_file_version]}", bytes(s.xml)
            )
            opening, entries, closing = _balances(bytes(s.xml))
            assert opening == previous_closing == s.opening_balance
            assert opening + entries == closing == s.closing_balance
            previous_closing = closing
        today_entries = sum((e.amount for e in account.entries.filter(booking_date=day)), Decimal(0))
        assert previous_closing + today_entries == Account.objects.get(pk=account.pk).balance

    assert OcrFile.objects.count() > 10
    numbers = [int(f.transmission_number) for f in OcrFile.objects.order_by("pk")]
    assert numbers == sorted(set(numbers))
    for ocr_file in OcrFile.objects.all():
        transmission = netsgiro.parse(ocr_file.content)
        assert transmission.data_transmitter == "00008080" and transmission.data_recipient == "00105625"
        assert transmission.get_total_amount() == ocr_file.total
        assert len(transmission.assignments) == 1  # one assignment per account, one OCR account
        assignment = transmission.assignments[0]
        assert assignment.account == DRIFT
        credit = Account.objects.get(number=DRIFT).entries.get(ocr_file=ocr_file)
        assert credit.amount == assignment.get_total_amount() and credit.booking_date == ocr_file.file_date
        for tx in assignment.transactions:
            assert formats.kid_valid(tx.kid, "MOD10", 9)
    for note in DebitNotification.objects.select_related("account"):
        formats.assert_valid(
            f"camt.054.001.{formats.CAMT_FOR[note.account.payment_file_version]}", bytes(note.xml)
        )


@pytest.mark.parametrize("agreement", ["integrated", "integrated_2009"])
def test_statement_content_and_download(request, agreement):
    integrated = request.getfixturevalue(agreement)
    integrated.sim(
        "/sim/transactions",
        {"account": DRIFT, "amount": "500.00", "payer_name": "Kunde AS", "text": "Faktura 17"},
    )
    integrated.submit(
        pain001("S1", [Batch("B1", DRIFT, date(2026, 3, 2), [Tx("E1", "200.00", SUPPLIER)])]),
        "S1",
        "rgb",
        "TB12345",
    )
    integrated.advance(days=1)
    event = next(
        e for e in integrated.events() if e["type"] == "statement.created" and e["data"]["account"] == DRIFT
    )
    assert event["data"] == {
        "account": DRIFT,
        "date": "2026-03-02",
        "sequence": 1,
        "opening_balance": "250000.00",
        "closing_balance": "250298.00",
    }
    xml = integrated.get(f"/api/v1/statements/{event['resource_id']}").content
    assert xml == integrated.get(f"/api/v1/statements/{event['resource_id']}").content
    root = etree.fromstring(xml)
    NS = _ns(root)
    assert NS["c"].endswith("08" if agreement == "integrated" else "02")
    kinds = [
        n.findtext("c:BkTxCd/c:Domn/c:Fmly/c:SubFmlyCd", namespaces=NS)
        for n in root.iterfind(".//c:Ntry", namespaces=NS)
    ]
    assert kinds == ["DMCT", "DMCT", "CHRG"]  # incoming transfer, the payment, its fee
    debtor = "c:Dbtr/c:Pty/c:Nm" if agreement == "integrated" else "c:Dbtr/c:Nm"  # 2019: Party40Choice
    assert root.findtext(f".//c:Ntry/c:NtryDtls/c:TxDtls/c:RltdPties/{debtor}", namespaces=NS) == "Kunde AS"
    refs = [r.text for r in root.iterfind(".//c:Refs/c:EndToEndId", namespaces=NS)]
    assert "E1" in refs


def test_ocr_file_one_assignment_per_account_and_one_credit_each(integrated):
    integrated.sim(
        "/sim/customers",
        {
            "org_number": "123456785",
            "name": "Demo Regnskap AS",
            "subscription": "integrated",
            "accounts": [{"number": SKATT, "ocr": {"length": 7, "check": "MOD11"}}],
        },
    )
    for account, kid, amount in [
        (DRIFT, "000001230", "100.00"),
        (DRIFT, "000002345", "250.50"),
        (SKATT, "0000531", "42.00"),
    ]:
        assert (
            integrated.sim("/sim/transactions", {"account": account, "amount": amount, "kid": kid}).json()[
                "kind"
            ]
            == "ocr_pending"
        )
    integrated.advance(days=1)
    [ocr_file] = OcrFile.objects.all()
    transmission = netsgiro.parse(ocr_file.content)
    assert {a.account: a.get_total_amount() for a in transmission.assignments} == {
        DRIFT: Decimal("350.50"),
        SKATT: Decimal("42.00"),
    }
    assert [a.number for a in transmission.assignments] == sorted(a.number for a in transmission.assignments)
    assert transmission.get_total_amount() == Decimal("392.50")
    credits = {e.account.number: e.amount for e in ocr_file.entry_set.select_related("account")}
    assert credits == {DRIFT: Decimal("350.50"), SKATT: Decimal("42.00")}


def test_inject_validations(integrated):
    cases = [
        ({"account": "15032080143", "amount": "1"}, 404, "unknown_account"),
        ({"account": "1503", "amount": "1"}, 400, "invalid_account"),
        ({"account": DRIFT, "amount": "1.001"}, 400, "invalid_amount"),
        ({"account": DRIFT, "amount": "-5"}, 400, "invalid_amount"),
        ({"account": DRIFT, "amount": "abc"}, 400, "invalid_amount"),
        ({"account": DRIFT, "amount": "5", "kid": "123456783"}, 400, "invalid_kid"),
    ]
    for body, status, code in cases:
        response = integrated.sim("/sim/transactions", body)
        assert (response.status_code, response.json()["code"]) == (status, code), body


def test_one_ocr_transmission_to_the_data_recipient_for_every_customer(integrated):
    """Nets delivers to the data recipient (00105625), not to the customer: one transmission a
    night with one assignment per account that received KID payments, across customers."""
    integrated.sim(
        "/sim/customers",
        {
            "org_number": "987654325",
            "name": "Demo Klient AS",
            "subscription": "integrated",
            "accounts": [{"number": CLIENT_ACCOUNT, "ocr": {"length": 9, "check": "MOD10"}}],
        },
    )
    for account, kid, amount in [(DRIFT, "000001230", "100.00"), (CLIENT_ACCOUNT, "000002345", "25.00")]:
        integrated.sim("/sim/transactions", {"account": account, "amount": amount, "kid": kid})
    integrated.advance(days=1)
    [ocr_file] = OcrFile.objects.all()
    transmission = netsgiro.parse(ocr_file.content)
    assert transmission.data_recipient == ocr_file.recipient == "00105625"
    assert {a.account: a.get_total_amount() for a in transmission.assignments} == {
        DRIFT: Decimal("100.00"),
        CLIENT_ACCOUNT: Decimal("25.00"),
    }
    [event] = [e for e in integrated.events() if e["type"] == "ocr_file.created"]
    assert event["org_number"] is None and event["data"]["recipient"] == "00105625"
    assert event["data"]["accounts"] == sorted([DRIFT, CLIENT_ACCOUNT])
    # each account is credited its own assignment's total, on its own statement
    assert Account.objects.get(number=CLIENT_ACCOUNT).entries.get(ocr_file=ocr_file).amount == Decimal(
        "25.00"
    )
