"""The camt.053 parser on generated statements: each shape banks send, and each way a file is bad.

Statements decide what a customer sees as reconciled, so every feature is pinned on a file
built by :mod:`tests.reconciliation.camtgen` (valid against the official XSD, checked here),
and every bad input must end in one :class:`CamtParseError` naming the element and line:
never an lxml error, a ValueError or an InvalidOperation that the importer would show as 500.
"""

import os
import re
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from iso20022.camt053 import (
    Camt053Entry,
    Camt053Fx,
    Camt053Statement,
    CamtParseError,
    ParseProcess,
    entry_key,
    iter_camt053,
    parse_camt053,
    statement_balance_check,
    statement_entry_keys,
)
from iso20022.xsd import get_schema
from tests.reconciliation.camtgen import (
    EntrySpec,
    FileSpec,
    StatementSpec,
    TxSpec,
    account_number,
    camt053_bytes,
    kid_number,
    norwegian_iban,
    simple_statement,
)

DAY = date(2025, 3, 4)
ACCOUNT = "86011117947"
REPO = Path(__file__).resolve().parents[2]

# Hostile XML must be refused, not expanded: a hang fails the test instead of the suite.
pytestmark = pytest.mark.timeout(120)


def one(entries, **kwargs) -> Camt053Statement:
    statements = parse_camt053(simple_statement(entries, **kwargs))
    assert len(statements) == 1
    return statements[0]


def credit(amount: str, **kwargs) -> EntrySpec:
    return EntrySpec(amount=Decimal(amount), booking_date=kwargs.pop("booking_date", DAY), **kwargs)


def debit(amount: str, **kwargs) -> EntrySpec:
    return credit(amount, credit_debit="DBIT", **kwargs)


# --- the generator writes what the official schema accepts ------------------------------


def test_generated_files_are_valid_against_the_official_xsd():
    data = camt053_bytes(
        FileSpec(
            [
                StatementSpec(
                    "S1",
                    DAY,
                    DAY,
                    iban=True,
                    balance_codes=("PRCD", "ITBD"),
                    entries=[
                        credit(
                            "100.00",
                            acct_svcr_ref="A1",
                            txs=[TxSpec(kid=kid_number(7), counterparty_name="Å")],
                        ),
                        debit(
                            "1010.00",
                            reversal=True,
                            value_date=DAY,
                            booking_datetime=datetime(2025, 3, 4, 9, 30),
                            batch=("PMT-1", 2),
                            txs=[
                                TxSpec(amount=Decimal("500"), end_to_end_id="E1", charges=(Decimal("5"),)),
                                TxSpec(
                                    amount=Decimal("500"),
                                    amount_in="InstdAmt",
                                    end_to_end_id="E2",
                                    ustrd="Faktura 1",
                                    counterparty_account=ACCOUNT,
                                    counterparty_iban=True,
                                ),
                            ],
                        ),
                        debit(
                            "45.00",
                            domain=("ACMT", "MDOP", "CHRG"),
                            proprietary="GEBYR",
                            additional_info="Gebyr",
                        ),
                    ],
                ),
                StatementSpec("S2", DAY + timedelta(days=1), DAY + timedelta(days=1)),
            ],
            encoding="ISO-8859-1",
        )
    )
    get_schema("camt.053.001.02").assertValid(etree.fromstring(data))


# --- statements and balances -------------------------------------------------------------


def test_statement_header_balances_and_account():
    stmt = one([credit("250.50"), debit("50.25")], opening=Decimal("1000.00"), electronic_seq_nb=17)
    assert stmt.statement_id == "STMT-1"
    assert stmt.electronic_seq_nb == 17
    assert stmt.message_id == "CAMT053-20250304-0001"
    assert stmt.account == ACCOUNT
    assert stmt.currency == "NOK"
    assert (stmt.from_date, stmt.to_date) == (DAY, DAY)
    assert stmt.opening_balance == Decimal("1000.00")
    assert stmt.closing_balance == Decimal("1200.25")
    assert (stmt.opening_balance_date, stmt.closing_balance_date) == (DAY, DAY)
    assert stmt.balance_types_used == ("OPBD", "CLBD")
    assert [e.signed_amount for e in stmt.entries] == [Decimal("250.50"), Decimal("-50.25")]
    assert statement_balance_check(stmt) == (True, Decimal("1200.25"), Decimal("0.00"))


def test_balance_check_reports_the_difference_when_the_bank_does_not_add_up():
    stmt = one([credit("100.00")], opening=Decimal("0.00"), closing=Decimal("90.00"))
    ok, expected, difference = statement_balance_check(stmt)
    assert (ok, expected, difference) == (False, Decimal("100.00"), Decimal("-10.00"))


def test_pending_entries_do_not_move_the_booked_balance():
    stmt = one([credit("100.00"), credit("999.00", status="PDNG")], opening=Decimal("0.00"))
    assert stmt.closing_balance == Decimal("100.00")
    assert statement_balance_check(stmt)[0] is True
    assert [e.status for e in stmt.entries] == ["BOOK", "PDNG"]


def test_prcd_and_itbd_stand_in_for_opbd_and_clbd():
    stmt = one([debit("10.00")], balance_codes=("PRCD", "ITBD"), opening=Decimal("-5.00"))
    assert stmt.balance_types_used == ("PRCD", "ITBD")
    assert stmt.opening_balance == Decimal("-5.00")  # an overdrawn account: DBIT balance
    assert stmt.opening_balance_date == DAY - timedelta(days=1)  # PRCD is yesterday's closing
    assert stmt.closing_balance == Decimal("-15.00")
    assert statement_balance_check(stmt)[0] is True


def test_several_statements_and_an_empty_day_that_still_carries_balances():
    days = [DAY + timedelta(days=k) for k in range(3)]
    data = camt053_bytes(
        FileSpec(
            [
                StatementSpec(
                    "D1",
                    days[0],
                    days[0],
                    opening=Decimal("100"),
                    entries=[credit("1.00", booking_date=days[0])],
                ),
                StatementSpec(
                    "D2", days[1], days[1], opening=Decimal("101")
                ),  # a Sunday-like day: no entries
                StatementSpec(
                    "D3",
                    days[2],
                    days[2],
                    opening=Decimal("101"),
                    entries=[debit("2.00", booking_date=days[2])],
                ),
            ]
        )
    )
    statements = parse_camt053(data)
    assert [s.statement_id for s in statements] == ["D1", "D2", "D3"]
    assert [len(s.entries) for s in statements] == [1, 0, 1]
    assert (statements[1].opening_balance, statements[1].closing_balance) == (
        Decimal("101.00"),
        Decimal("101.00"),
    )
    assert all(statement_balance_check(s)[0] for s in statements)
    # The streaming form yields each header before its entries, and the empty day on its own.
    kinds = [type(item).__name__ for item in iter_camt053(data)]
    assert kinds == [
        "Camt053Statement",
        "Camt053Entry",
        "Camt053Statement",
        "Camt053Statement",
        "Camt053Entry",
    ]


def test_a_file_with_zero_entries_is_a_statement_not_an_error():
    stmt = one([], opening=Decimal("42.00"))
    assert stmt.entries == ()
    assert statement_balance_check(stmt) == (True, Decimal("42.00"), Decimal("0.00"))


@pytest.mark.parametrize("iban", [False, True])
def test_account_as_bban_or_norwegian_iban_gives_the_bban(iban):
    account = account_number(1503_12_3456)
    stmt = one([], account=account, iban=iban)
    assert stmt.account == account
    assert stmt.iban == (norwegian_iban(account) if iban else None)


@pytest.mark.parametrize("which", ["opening", "closing"])
def test_a_balance_in_another_currency_than_the_account_is_refused(which):
    # genkgo's files give a closing balance of SEK 27.00 on a EUR account: read as EUR, the
    # statement would show a balance the bank never gave.
    data = simple_statement([credit("1.00")])
    amount = b'<Amt Ccy="NOK">10000.00</Amt>' if which == "opening" else b'<Amt Ccy="NOK">10001.00</Amt>'
    assert amount in data
    err = bad(data.replace(amount, amount.replace(b"NOK", b"SEK")), validate=False)
    assert (
        err.message == f"Statement STMT-1 gives its {which} balance in SEK, but its account is kept in NOK."
    )
    assert err.element == "Bal/Amt"


# --- entries ------------------------------------------------------------------------------


def test_booking_date_as_dt_or_dttm_and_a_missing_value_date():
    stmt = one(
        [
            credit("1.00", value_date=DAY + timedelta(days=1)),
            # 23:30 UTC on the 4th is 00:30 on the 5th in Oslo: the Norwegian business date wins.
            credit("2.00", booking_datetime=datetime(2025, 3, 4, 23, 30, tzinfo=UTC)),
            credit("3.00", booking_datetime=datetime(2025, 3, 4, 23, 30)),  # naive = local already
        ]
    )
    first, second, third = stmt.entries
    assert (first.booking_date, first.value_date) == (DAY, DAY + timedelta(days=1))
    assert (second.booking_date, second.value_date) == (DAY + timedelta(days=1), None)
    assert third.booking_date == DAY


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        # DtTm with an offset: the Oslo date (CET in winter, CEST in summer, across both switches).
        ("<DtTm>2025-01-04T23:00:00Z</DtTm>", date(2025, 1, 5)),
        ("<DtTm>2014-01-04T23:00:00.000Z</DtTm>", date(2014, 1, 5)),  # oca13's file
        ("<DtTm>2025-01-04T22:59:59Z</DtTm>", date(2025, 1, 4)),
        ("<DtTm>2025-07-04T22:30:00Z</DtTm>", date(2025, 7, 5)),
        ("<DtTm>2025-07-04T21:30:00+00:00</DtTm>", date(2025, 7, 4)),
        ("<DtTm>2025-07-05T01:30:00+03:00</DtTm>", date(2025, 7, 5)),
        ("<DtTm>2025-03-29T23:30:00Z</DtTm>", date(2025, 3, 30)),  # the night clocks go forward
        ("<DtTm>2025-10-25T22:30:00Z</DtTm>", date(2025, 10, 26)),  # the night they go back
        ("<DtTm>2025-10-25T21:59:59+00:00</DtTm>", date(2025, 10, 25)),
        ("<DtTm>2025-10-25T21:59:59-01:00</DtTm>", date(2025, 10, 26)),
        # DtTm without an offset is Oslo time already; nanoseconds as genkgo's file writes them.
        ("<DtTm>2025-01-04T23:30:00</DtTm>", date(2025, 1, 4)),
        ("<DtTm>2025-07-23T00:00:00.000000000</DtTm>", date(2025, 7, 23)),
        # Dt is the calendar date the bank booked, with or without a zone.
        ("<Dt>2025-01-04</Dt>", date(2025, 1, 4)),
        ("<Dt>2025-01-04Z</Dt>", date(2025, 1, 4)),
        ("<Dt>2025-01-04+05:00</Dt>", date(2025, 1, 4)),
    ],
)
@pytest.mark.parametrize("validate", [True, False])
def test_every_date_is_the_oslo_business_date(element, expected, validate):
    # Issue 20 item 10: one rule for every reader: Oslo business dates.
    data = simple_statement([credit("1.00", value_date=DAY)])
    tag = element[1:3] if element.startswith("<Dt>") else "DtTm"
    data = data.replace(
        f"<BookgDt><Dt>{DAY.isoformat()}</Dt></BookgDt>".encode(), f"<BookgDt>{element}</BookgDt>".encode()
    )
    data = data.replace(
        f"<ValDt><Dt>{DAY.isoformat()}</Dt></ValDt>".encode(), f"<ValDt>{element}</ValDt>".encode()
    )
    # The balances' dates and the statement's period too.
    data = data.replace(f"<Dt><Dt>{DAY.isoformat()}</Dt></Dt>".encode(), f"<Dt>{element}</Dt>".encode())
    assert data.count(f"<{tag}>".encode()) >= 4
    moment = element.split(">")[1].split("<")[0]
    if tag == "DtTm":
        data = re.sub(rb"<FrDtTm>[^<]*</FrDtTm>", f"<FrDtTm>{moment}</FrDtTm>".encode(), data)
        data = re.sub(rb"<ToDtTm>[^<]*</ToDtTm>", f"<ToDtTm>{moment}</ToDtTm>".encode(), data)
    (stmt,) = parse_camt053(data, validate=validate)
    (entry,) = stmt.entries
    assert (entry.booking_date, entry.value_date) == (expected, expected)
    assert (stmt.opening_balance_date, stmt.closing_balance_date) == (expected, expected)
    if tag == "DtTm":
        assert (stmt.from_date, stmt.to_date) == (expected, expected)


def test_reversal_follows_cdtdbtind_as_iso_20022_defines_it():
    # A customer's payment of 500 is reversed: the bank books DBIT 500 with RvslInd.
    stmt = one([credit("500.00"), debit("500.00", reversal=True)], opening=Decimal("0.00"))
    original, reversal = stmt.entries
    assert (original.reversal, original.original_credit_debit) == (False, None)
    assert reversal.reversal is True
    assert reversal.signed_amount == Decimal("-500.00")
    assert reversal.original_credit_debit == "CRDT"
    assert stmt.closing_balance == Decimal("0.00")
    assert statement_balance_check(stmt)[0] is True


def test_references_counterparty_and_bank_transaction_code():
    kid = kid_number(123456, 12)
    stmt = one(
        [
            credit(
                "1250.50",
                acct_svcr_ref="NOREF-1",
                additional_info="Innbetaling",
                proprietary="OCR",
                txs=[
                    TxSpec(
                        kid=kid,
                        ustrd="Takk for sist, Ærlige Øyvind",
                        end_to_end_id="NOTPROVIDED",
                        acct_svcr_ref="TX-REF",
                        counterparty_name="Kunde AS",
                        counterparty_account="12345678903",
                    )
                ],
            ),
            debit(
                "99.00",
                txs=[
                    TxSpec(
                        counterparty_name="Leverandør AS",
                        counterparty_account=ACCOUNT,
                        counterparty_iban=True,
                    )
                ],
            ),
        ]
    )
    incoming, outgoing = stmt.entries
    assert incoming.acct_svcr_ref == "NOREF-1"
    assert incoming.additional_info == "Innbetaling"
    assert incoming.bank_tx_code == "PMNT/RCDT/ESCT"
    assert incoming.bank_tx_proprietary == "OCR"
    (tx,) = incoming.transactions
    assert tx.amount == Decimal("1250.50")  # a single TxDtls without AmtDtls takes the entry amount
    assert (tx.kid, tx.end_to_end_id, tx.acct_svcr_ref) == (kid, "NOTPROVIDED", "TX-REF")
    assert tx.unstructured == "Takk for sist, Ærlige Øyvind"
    assert (tx.counterparty_name, tx.counterparty_account) == ("Kunde AS", "12345678903")
    assert incoming.kids == (kid,)
    # The counterparty of a debit is the payee (Cdtr), here given as an IBAN.
    assert (outgoing.transactions[0].counterparty_name, outgoing.transactions[0].counterparty_account) == (
        "Leverandør AS",
        ACCOUNT,
    )


def test_batch_entry_is_split_by_transaction_amounts_and_the_rest_is_charges():
    stmt = one(
        [
            debit(
                "1010.00",
                batch=("PMTINF-9", 3),
                txs=[
                    TxSpec(amount=Decimal("600.00"), end_to_end_id="E-1"),
                    TxSpec(amount=Decimal("300.00"), end_to_end_id="E-2", amount_in="InstdAmt"),
                    TxSpec(
                        amount=Decimal("100.00"),
                        end_to_end_id="E-3",
                        charges=(Decimal("7.50"), Decimal("2.50")),
                    ),
                ],
            ),
            credit("990.00", txs=[TxSpec(amount=Decimal("500.00")), TxSpec(amount=Decimal("500.00"))]),
        ]
    )
    out, incoming = stmt.entries
    assert [tx.amount for tx in out.transactions] == [Decimal("600.00"), Decimal("300.00"), Decimal("100.00")]
    assert out.end_to_end_ids == ("E-1", "E-2", "E-3")
    assert out.transactions[2].charges == Decimal("10.00")
    assert out.charges == Decimal("10.00")  # the bank took 10 on top of the payments
    assert incoming.charges == Decimal("10.00")  # and 10 off the incoming money
    # The entry, not the transactions, moves the balance.
    assert statement_balance_check(stmt)[0] is True


VISA = "VISA VARE *8012 07.07 USD 140.00 YOUCANBOOK.ME Kurs: 8.9275"


@pytest.mark.parametrize("validate", [True, False])
def test_a_purchase_in_another_currency_keeps_it_and_is_no_charge(validate):
    # Issue 20 item 7: a NOK 1,249.85 card debit whose TxDtls gives only InstdAmt USD 140.00
    # was stored as 140.00 without currency, and NOK 1,109.85 became a bank fee.
    usd = TxSpec(
        foreign=(Decimal("140.00"), "USD"),
        exchange=("USD", "NOK", Decimal("8.9275")),
        additional_info=VISA,
    )
    data = simple_statement([debit("1249.85", domain=("PMNT", "CCRD", "POSD"), txs=[usd])])
    (stmt,) = parse_camt053(data, validate=validate)
    (entry,) = stmt.entries
    (tx,) = entry.transactions
    assert (entry.amount, entry.currency, entry.charges) == (Decimal("1249.85"), "NOK", 0)
    assert tx.amount == Decimal("1249.85") and tx.charges == 0  # the entry's, in NOK
    assert tx.foreign == Camt053Fx(Decimal("140.00"), "USD", Decimal("8.9275"), "USD", "NOK")
    assert tx.additional_info == VISA
    assert not entry.is_charge and statement_balance_check(stmt)[0] is True


def test_a_batch_is_split_only_by_amounts_in_the_entrys_currency():
    stmt = one(
        [
            # Each payment in NOK and in EUR: the NOK amounts split it; the bank took 5.00.
            debit(
                "2005.00",
                batch=("B-1", 2),
                txs=[
                    TxSpec(amount=Decimal("1000.00"), foreign=(Decimal("85.50"), "EUR"), end_to_end_id="E1"),
                    TxSpec(amount=Decimal("1000.00"), foreign=(Decimal("85.50"), "EUR"), end_to_end_id="E2"),
                ],
            ),
            # One payment known only in EUR: no split in NOK, so no charges are guessed.
            debit(
                "2000.00",
                batch=("B-2", 2),
                txs=[
                    TxSpec(amount=Decimal("1000.00"), end_to_end_id="E3"),
                    TxSpec(foreign=(Decimal("85.50"), "EUR"), end_to_end_id="E4"),
                ],
            ),
        ]
    )
    split, unknown = stmt.entries
    assert [tx.amount for tx in split.transactions] == [Decimal("1000.00"), Decimal("1000.00")]
    assert [tx.foreign.currency for tx in split.transactions] == ["EUR", "EUR"]
    assert split.charges == Decimal("5.00")
    assert [tx.amount for tx in unknown.transactions] == [Decimal("1000.00"), None]
    assert unknown.transactions[1].foreign == Camt053Fx(Decimal("85.50"), "EUR")
    assert unknown.transactions[1].signed_amount is None
    assert unknown.charges == 0


def test_charges_in_another_currency_are_not_added_to_the_entrys():
    data = simple_statement(
        [debit("100.00", txs=[TxSpec(amount=Decimal("100.00"), charges=(Decimal("3.00"),))])]
    )
    data = data.replace(b'<Chrgs><Amt Ccy="NOK">3.00</Amt>', b'<Chrgs><Amt Ccy="EUR">3.00</Amt>')
    (tx,) = one_from(data).entries[0].transactions
    assert tx.charges == 0


def test_the_one_transaction_of_an_entry_is_the_amount_it_states_equal_to_the_entry():
    # A Swiss file (barzahlen valid_example_with_instdamt): InstdAmt CHF 4500.00, TxAmt CHF
    # 0.04 for 4,500.00 booked; reading TxAmt first made CHF 4,499.96 of "charges".
    data = simple_statement(
        [
            credit(
                "4500.00",
                currency="CHF",
                txs=[TxSpec(amount=Decimal("4500.00"), amount_in="InstdAmt", currency="CHF")],
            )
        ]
    ).replace(b"</InstdAmt>", b'</InstdAmt><TxAmt><Amt Ccy="CHF">0.04</Amt></TxAmt>')
    (entry,) = parse_camt053(data)[0].entries
    assert entry.transactions[0].amount == Decimal("4500.00") and entry.charges == 0


def test_every_structured_reference_of_a_transaction_is_kept():
    # Issue 20 item 8: with two CdtrRefInf only the first KID was kept.
    first, second = kid_number(1001), kid_number(1002)
    stmt = one(
        [
            credit(
                "350.00", txs=[TxSpec(amount=Decimal("350.00"), kid=(first, second), ustrd="To fakturaer")]
            ),
            credit("100.00", txs=[TxSpec(amount=Decimal("100.00"), kid=first)]),
        ]
    )
    two, one_kid = stmt.entries
    assert two.transactions[0].kids == (first, second) and two.kids == (first, second)
    assert two.transactions[0].kid == first
    assert one_kid.kids == (first,)
    # The deduplication key is the one an entry had when only its first KID was kept.
    (only_first,) = one(
        [credit("350.00", txs=[TxSpec(amount=Decimal("350.00"), kid=first, ustrd="To fakturaer")])]
    ).entries
    assert entry_key(ACCOUNT, two) == entry_key(ACCOUNT, only_first)


def test_a_batch_whose_transactions_have_no_amounts_is_refused_not_guessed():
    data = simple_statement([debit("100.00", txs=[TxSpec(end_to_end_id="A"), TxSpec(end_to_end_id="B")])])
    with pytest.raises(CamtParseError, match="cannot be split") as err:
        parse_camt053(data)
    assert err.value.element == "TxDtls/AmtDtls"


def test_charge_entries_are_recognised_by_their_transaction_code():
    stmt = one([debit("45.00", domain=("ACMT", "MDOP", "CHRG")), debit("45.00")])
    assert [e.is_charge for e in stmt.entries] == [True, False]


def test_iso_8859_1_file_is_read_from_its_declaration():
    data = simple_statement(
        [credit("1.00", txs=[TxSpec(counterparty_name="Bjørn Ærø Åsen")])], encoding="ISO-8859-1"
    )
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert "Bjørn".encode("latin-1") in data
    assert one_from(data).entries[0].transactions[0].counterparty_name == "Bjørn Ærø Åsen"


def one_from(data: bytes) -> Camt053Statement:
    (stmt,) = parse_camt053(data)
    return stmt


def test_source_may_be_bytes_a_path_or_a_file_object(tmp_path):
    data = simple_statement([credit("1.00")])
    path = tmp_path / "stmt.xml"
    path.write_bytes(data)
    with path.open("rb") as handle:
        results = [parse_camt053(data), parse_camt053(path), parse_camt053(str(path)), parse_camt053(handle)]
    assert all(r == results[0] for r in results)


def test_xsd_validation_can_be_switched_off_and_gives_the_same_result():
    data = simple_statement([credit("1.00"), debit("2.00", txs=[TxSpec(amount=Decimal("2.00"))])])
    assert parse_camt053(data, validate=False) == parse_camt053(data, validate=True)


# --- deduplication keys -------------------------------------------------------------------


def test_entry_keys_use_acctsvcrref_else_a_stable_hash_with_occurrences():
    entries = [
        credit("100.00", acct_svcr_ref="BANK-1"),
        credit("100.00", txs=[TxSpec(kid="0000531")]),
        credit("100.00", txs=[TxSpec(kid="0000531")]),  # a genuine second identical payment
        credit("100.00", txs=[TxSpec(kid="0000549")]),
        debit("100.00", txs=[TxSpec(kid="0000531")]),
        credit("100.00", reversal=True, txs=[TxSpec(kid="0000531")]),
    ]
    stmt = one(entries)
    keys = statement_entry_keys(stmt)
    assert keys[0] == "ref:BANK-1" == entry_key(ACCOUNT, stmt.entries[0])
    assert keys[1].endswith(":0") and keys[2].endswith(":1")
    assert keys[1].rsplit(":", 1)[0] == keys[2].rsplit(":", 1)[0]
    assert len(set(keys)) == len(keys)  # KID, direction and reversal all tell entries apart
    assert keys[1] == entry_key(ACCOUNT, stmt.entries[1], 0)

    # Regenerating the file (new message id, creation time, statement id, other order of
    # statements in the day's export) gives the same keys: they depend only on the booking.
    again = parse_camt053(
        camt053_bytes(
            FileSpec(
                [
                    StatementSpec(
                        "OTHER-ID",
                        DAY,
                        DAY,
                        opening=Decimal("5"),
                        created_at=datetime(2025, 3, 5),
                        entries=entries,
                    )
                ],
                message_id="REGENERATED",
            )
        )
    )[0]
    assert statement_entry_keys(again) == keys
    # The same booking on another account is another entry.
    assert entry_key("12345678903", stmt.entries[1]) != keys[1]


def test_entry_keys_differ_by_date_and_amount():
    stmt = one([credit("1.00"), credit("1.01"), credit("1.00", booking_date=DAY + timedelta(days=1))])
    assert len(set(statement_entry_keys(stmt))) == 3


# --- bad input ---------------------------------------------------------------------------


def bad(data: bytes, **kwargs) -> CamtParseError:
    # Hostile files (entity expansion) must not hang: the module-level timeout marker guards it.
    with pytest.raises(CamtParseError) as err:
        parse_camt053(data, **kwargs)
    assert str(err.value)  # a message a person can read
    return err.value


@pytest.mark.parametrize(
    ("amount", "needle"),
    [
        ("10.005", "more than two decimals"),
        ("-10.00", "negative"),
        ("ten", "not an amount"),
        ("", "not an amount"),
    ],
)
def test_bad_amounts_name_the_element_and_line(amount, needle):
    data = _pretty(simple_statement([credit("1.00"), credit("10.00", amount_text=amount or "EMPTY")]))
    data = data.replace(b">EMPTY<", b"><")
    marker = f'Ccy="NOK">{amount}<'.encode()
    expected_line = next(
        n for n, text in enumerate(data.splitlines(), 1) if marker in text and b"<Amt" in text
    )
    err = bad(data, validate=False)  # our own check, independent of the schema
    assert needle in err.message
    assert err.element == "Ntry/Amt"
    assert err.line == expected_line
    # With validation on, the same file still ends in CamtParseError naming Amt.
    assert "Amt" in str(bad(data))


@pytest.mark.parametrize("validate", [True, False])
def test_amounts_with_trailing_zeros_are_read_by_value(validate):
    # Issue 20 item 6: "8.850", "18.150", "5442.09000" are exact to the øre and schema-valid;
    # one such amount refused every statement of the file.
    data = simple_statement(
        [
            credit("8.85", amount_text="8.850"),
            debit("18.15", amount_text="18.15000", txs=[TxSpec(amount=Decimal("18.15"))]),
            credit("1.01", amount_text="1.0100"),
        ]
    )
    data = data.replace(b">10000.00<", b">10000.00000<", 1).replace(b">10000.00<", b">10000.000<", 1)
    data = data.replace(b">18.15<", b">18.150<")  # the transaction's amount too
    (stmt,) = parse_camt053(data, validate=validate)
    assert [e.amount for e in stmt.entries] == [Decimal("8.85"), Decimal("18.15"), Decimal("1.01")]
    assert stmt.entries[1].transactions[0].amount == Decimal("18.15")
    assert stmt.entries[1].charges == 0  # the same amount, however it was written
    assert (stmt.opening_balance, stmt.closing_balance) == (Decimal("10000.00"), Decimal("9991.71"))
    assert statement_balance_check(stmt)[0] is True


@pytest.mark.parametrize("amount", ["8.855", "1.0050", "1.00001", "0.001"])
def test_a_third_decimal_that_is_not_zero_is_refused(amount):
    err = bad(simple_statement([credit("1.00", amount_text=amount)]), validate=False)
    assert "more than two decimals" in err.message and err.element == "Ntry/Amt"


@pytest.mark.parametrize("number", ["²", "7a", "1" * 19, "1" * 5000])
def test_a_sequence_number_that_is_no_number_is_named(number):
    # "²" passes str.isdigit but not int(); 19 digits pass int() but not the bigint column.
    data = re.sub(
        rb"(<ElctrncSeqNb[^>]*>)1<", rb"\g<1>" + number.encode() + b"<", simple_statement([credit("1.00")])
    )
    assert number.encode() in data
    err = bad(data, validate=False)
    assert err.element == "ElctrncSeqNb"
    assert isinstance(bad(data), CamtParseError)


def _pretty(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _drop(data: bytes, xpath: str) -> bytes:
    root = etree.fromstring(data)
    for element in root.xpath(xpath, namespaces={"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"}):
        element.getparent().remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@pytest.mark.parametrize(
    ("xpath", "element"),
    [
        ("//c:Stmt/c:Acct", "Acct"),
        ("//c:Stmt/c:Bal", "Bal"),
        ("//c:Ntry/c:Amt", "Ntry/Amt"),
        ("//c:Ntry/c:CdtDbtInd", "CdtDbtInd"),
        ("//c:Ntry/c:BookgDt", "Ntry/BookgDt"),
        ("//c:Stmt/c:Bal[2]", "Bal"),  # no closing balance at all
    ],
)
def test_missing_mandatory_elements(xpath, element):
    data = _drop(simple_statement([credit("1.00")]), xpath)
    err = bad(data, validate=False)
    assert err.element == element
    assert err.line and err.line > 1  # pretty-printed: a real line number
    # The schema refuses them too, naming the place.
    assert isinstance(bad(data), CamtParseError)


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


@pytest.mark.parametrize(
    ("before", "after", "needle", "rule"),
    [
        (b"<Sts>BOOK</Sts>", b"<Sts>DONE</Sts>", b"<Sts>DONE", "is not one of the codes the schema allows"),
        (b"<Sts>BOOK</Sts>", b"<Sts>BOOK</Sts><Bogus/>", b"<Bogus", "is not allowed where it is"),
        (
            b"<MsgId>CAMT053-20250304-0001</MsgId>",
            b"<MsgId></MsgId>",
            b"<MsgId",
            "shorter than the schema allows",
        ),
        (
            b'<Amt Ccy="NOK">2.00</Amt>',
            b"<Amt>2.00</Amt>",
            b"<Amt>2.00",
            "lacks an attribute the schema requires",
        ),
    ],
)
def test_a_schema_error_names_the_element_the_rule_and_the_line(tmp_path, before, after, needle, rule):
    # Issue 20 item 9: six real files that are XML but break the schema were called "not
    # well-formed XML"; the classification now goes by libxml2's error domain, not its text.
    raw = simple_statement([credit("1.00"), credit("2.00")])
    assert before in raw
    data = _pretty(raw.replace(before, after, 1))
    element = needle.decode().strip("<").split(">")[0].split(" ")[0]
    line = _line_of(data, needle)
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    errors = [bad(data)]
    with pytest.raises(CamtParseError) as err:
        parse_camt053(path)
    errors.append(err.value)
    with path.open("rb") as handle, pytest.raises(CamtParseError) as err:
        parse_camt053(handle)
    errors.append(err.value)
    for where in ({"path": path}, {"chunks": lambda: iter([data[:500], data[500:]])}):
        process = ParseProcess(**where)
        try:
            with pytest.raises(CamtParseError) as err:
                list(process.items())
        finally:
            process.close()
        errors.append(err.value)
    for error in errors:
        assert error.message.startswith("The file does not match the camt.053.001.02 schema: "), error.message
        assert f"element {element} " in error.message and rule in error.message
        assert (error.element, error.line) == (element, line)
        assert "not well-formed" not in error.message
    assert len({(e.template, tuple(sorted(e.params.items())), e.line) for e in errors}) == 1


def test_a_schema_error_in_a_file_too_big_to_read_again_still_names_the_element(monkeypatch):
    from iso20022.camt053 import diagnosis

    monkeypatch.setattr(diagnosis, "LOCATE_BYTES", 100)
    data = _pretty(simple_statement([credit("1.00")])).replace(b"<Sts>BOOK</Sts>", b"<Sts>BOOK</Sts><Bogus/>")
    err = bad(data)
    assert err.message.startswith("The file does not match the camt.053.001.02 schema: element Bogus ")
    assert err.line is None  # a streaming validation does not know it


def test_a_file_that_is_not_xml_is_not_called_a_schema_error():
    data = _pretty(simple_statement([credit("1.00")])).replace(b"<Sts>BOOK</Sts>", b"<Sts>BOOK</St>")
    for validate in (True, False):
        err = bad(data, validate=validate)
        assert err.message.startswith("The file is not well-formed XML: "), err.message
        assert err.line == _line_of(data, b"<Sts>BOOK</St>")


def test_truncated_file():
    data = simple_statement([credit("1.00"), credit("2.00")])
    err = bad(data[: len(data) // 2])
    assert "not well-formed" in err.message


@pytest.mark.parametrize("validate", [True, False])
def test_a_file_cut_anywhere_is_refused(validate):
    # With a schema validating during the parse, lxml's iterparse ends quietly at a cut that
    # falls between elements or inside one (found by a 30-entry file cut at two thirds, which
    # imported 19 entries); every cut must be refused, never read as a shorter statement.
    data = simple_statement([credit(f"{i}.00") for i in range(1, 31)])
    end = data.rindex(b"</Document>")
    for cut in range(len(data) // 3, end, 97):
        with pytest.raises(CamtParseError) as info:
            for _item in iter_camt053(data[:cut], validate=validate):
                pass
        assert "not well-formed" in info.value.message, cut


def _every_cut(data: bytes):
    """Each proper prefix of ``data`` that is not a whole document (the root's end tag not in it)."""
    end = data.rindex(b"</Document>")
    return range(1, end + len(b"</Document>"))


@pytest.mark.parametrize("validate", [True, False])
def test_a_file_cut_at_any_byte_is_refused(validate):
    # Item 1 of issue 20: lxml 6.2.0's validating parse read a cut file as a shorter, whole
    # statement (no error, and the end of every open element reported, Document's too).
    data = simple_statement([credit("1.00"), debit("2.50", txs=[TxSpec(amount=Decimal("2.50"))])])
    root = data.index(b">", data.index(b"<Document"))  # the root starts once its start tag is whole
    for cut in _every_cut(data):
        with pytest.raises(CamtParseError) as info:
            for _item in iter_camt053(data[:cut], validate=validate):
                pass
        if cut > root:  # before, the file is refused as whatever its first bytes look like
            assert "not well-formed" in info.value.message, (cut, info.value.message)
    assert len(parse_camt053(data, validate=validate)[0].entries) == 2  # the whole file is read


def test_the_cut_is_found_whatever_the_parser_reports(monkeypatch):
    """A parser that ends quietly at a cut (closing what is open, as lxml 6.2's validating
    parse does at some cuts) is caught by the bytes, not by its error or its events."""
    real = etree.iterparse

    class Quiet:
        def __init__(self, *args, **kwargs):
            self._inner = real(*args, **kwargs)

        def __iter__(self):
            try:
                yield from self._inner
            except etree.XMLSyntaxError:
                return

        def __getattr__(self, name):
            return getattr(self._inner, name)

    monkeypatch.setattr(etree, "iterparse", Quiet)
    data = simple_statement([credit(f"{i}.00") for i in range(1, 6)])
    for cut in range(len(data) // 2, len(data) - 1, 7):
        with pytest.raises(CamtParseError, match="not well-formed"):
            parse_camt053(data[:cut], validate=False)
    assert len(parse_camt053(data, validate=False)[0].entries) == 5


@pytest.mark.parametrize(
    "after",
    [b"\n", b"  \r\n\t", b"\n<!-- signed by the bank -->\n", b"<?bank batch='7'?>", b"\n<!--a--><?b c?>  \n"],
)
def test_whitespace_comments_and_pis_after_the_root_are_a_whole_file(after):
    data = simple_statement([credit("1.00")]) + after
    for validate in (True, False):
        assert len(parse_camt053(data, validate=validate)[0].entries) == 1


@pytest.mark.parametrize("after", [b"x", b"<Document/>", b"<!-- open comment", b"</Document>"])
def test_anything_else_after_the_root_is_refused(after):
    data = simple_statement([credit("1.00")]) + after
    for validate in (True, False):
        bad(data, validate=validate)


def test_a_prefixed_root_is_whole_only_when_its_prefixed_end_tag_ends_it():
    plain = simple_statement([credit("1.00")])
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
    root = etree.fromstring(plain)
    prefixed = etree.Element(f"{{{ns}}}Document", nsmap={"c": ns})
    prefixed.extend(list(root))
    data = etree.tostring(prefixed, xml_declaration=True, encoding="UTF-8")
    assert data.rstrip().endswith(b"</c:Document>")
    assert len(parse_camt053(data)[0].entries) == 1
    for cut in range(len(data) - 14, len(data) - 1):
        bad(data[:cut])


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_file_is_whole_or_cut_as_any_other(codec):
    text = simple_statement([credit("1.00")]).decode().replace("'UTF-8'", "'UTF-16'")
    data = text.encode(codec) if codec == "utf-16" else b"\xfe\xff" + text.encode(codec)
    assert len(parse_camt053(data)[0].entries) == 1
    for cut in (len(data) - 2, len(data) - 1, len(data) // 2):
        bad(data[:cut])


@pytest.mark.parametrize("where", ["path", "chunks"])
def test_the_parsing_process_refuses_a_cut_file_as_a_parse_here_does(where, tmp_path):
    data = simple_statement([credit(f"{i}.00") for i in range(1, 31)])
    for cut in range(len(data) // 3, len(data) - 1, 401):
        piece = data[:cut]
        path = tmp_path / f"cut-{cut}.xml"
        path.write_bytes(piece)
        process = (
            ParseProcess(path=path) if where == "path" else ParseProcess(chunks=lambda p=piece: iter([p]))
        )
        try:
            with pytest.raises(CamtParseError) as there:
                list(process.items())
        finally:
            process.close()
        assert "not well-formed" in there.value.message, cut


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"\xff\xfe\x00garbage", b"<a><b></a>"])
def test_not_xml(data):
    bad(data)


@pytest.mark.parametrize(
    ("namespace", "tag", "needle"),
    [
        ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.02", "BkToCstmrDbtCdtNtfctn", "camt.054.001.02"),
        ("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03", "CstmrCdtTrfInitn", "pain.001.001.03"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.14", "BkToCstmrStmt", "camt.053.001.14"),
    ],
)
@pytest.mark.parametrize("validate", [True, False])
def test_another_message_or_version_is_named(namespace, tag, needle, validate):
    data = camt053_bytes(FileSpec([StatementSpec("S", DAY, DAY)], namespace=namespace, message_tag=tag))
    err = bad(data, validate=validate)
    assert needle in err.message
    if needle.startswith("camt.053"):  # what it is, and what can be read
        assert (
            f"This is a {needle} bank statement; only bank statements in camt.053.001.02, .03" in err.message
        )
    else:
        assert "not a camt.053.001.02 bank statement" in err.message


def test_xml_without_the_camt_root():
    err = bad(b"<?xml version='1.0'?><html><body/></html>")
    assert "root element <html>" in err.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol9;</BkToCstmrStmt></Document>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>&xxe;</MsgId>
</GrpHdr></BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, XXE, BILLION_LAUGHS.replace(b'<?xml version="1.0"?>\n', b"")]
)
def test_entity_attacks_are_refused_before_parsing(data):
    err = bad(data)
    assert err.element == "DOCTYPE"
    assert "root:" not in str(err)  # nothing of /etc/passwd leaks into the message


def test_doctype_far_into_the_file_is_still_refused():
    padding = b"<!-- " + b"x" * 10_000 + b" -->\n"
    data = b'<?xml version="1.0"?>\n' + padding + XXE.split(b"\n", 1)[1]
    err = bad(data)
    assert "DOCTYPE" in str(err)


def test_utf16_doctype_is_refused():
    err = bad(
        XXE.decode()
        .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
        .encode("utf-16")
    )
    assert "DOCTYPE" in str(err)


def test_deep_nesting_is_refused():
    depth = 5_000
    data = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        + b"<a>" * depth
        + b"</a>" * depth
        + b"</BkToCstmrStmt></Document>"
    )
    bad(data, validate=False)
    bad(data)


def test_oversized_input_is_refused_without_reading_it_all():
    data = simple_statement([credit("1.00")] * 50)
    err = bad(data, max_bytes=2_000)
    assert "larger than the limit of 2,000 bytes" in err.message


def test_text_instead_of_bytes_is_a_clear_error():
    import io

    with pytest.raises(CamtParseError, match="bytes"):
        parse_camt053(io.StringIO(simple_statement([]).decode()))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CamtParseError, match="Cannot read the file"):
        parse_camt053(tmp_path / "nope.xml")


def test_errors_after_good_entries_still_fail_the_whole_stream():
    data = simple_statement([credit("1.00"), credit("2.00"), credit("3.00", amount_text="3.001")])
    seen = []
    with pytest.raises(CamtParseError) as err:
        for item in iter_camt053(data, validate=False):
            seen.append(item)
    assert sum(isinstance(item, Camt053Entry) for item in seen) == 2
    assert err.value.element == "Ntry/Amt"


# --- memory stays flat -------------------------------------------------------------------

MEMORY_PROBE = textwrap.dedent(
    """
    import resource, sys
    from iso20022.camt053 import iter_camt053
    count = 0
    for item in iter_camt053(sys.argv[1]):
        count += 1
    print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


def _peak_kb(path: Path) -> tuple[int, int]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=REPO,
    )
    count, peak = out.stdout.split()
    return int(count), int(peak)


def test_streaming_memory_is_flat_in_file_size(tmp_path):
    from tests.reconciliation.camtgen import big_file

    small = big_file(tmp_path / "small.xml", 2_000)
    large = big_file(tmp_path / "large.xml", 20_000)
    assert large.stat().st_size > 9 * small.stat().st_size
    small_count, small_peak = _peak_kb(small)
    large_count, large_peak = _peak_kb(large)
    assert (small_count, large_count) == (2_001, 20_001)
    # Ten times the file, a few MB more at most (interpreter noise), not ten times the memory.
    assert large_peak - small_peak < 8 * 1024, (small_peak, large_peak)
