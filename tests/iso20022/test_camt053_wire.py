"""The camt.053 wire tuple (parsing process → importer) is named once, in iso20022.camt053.wire:
each named position holds what the entry made of it says, for every field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from iso20022.camt053 import Camt053Entry, Camt053Statement, iter_camt053, parse_camt053
from iso20022.camt053 import wire as w
from tests.reconciliation.camtgen import EntrySpec, TxSpec, simple_statement

DAY = date(2025, 3, 4)


def _file() -> bytes:
    return simple_statement(
        [
            EntrySpec(
                amount=Decimal("1010.00"),
                credit_debit="DBIT",
                booking_date=DAY,
                value_date=date(2025, 3, 5),
                reversal=True,
                acct_svcr_ref="REF-1",
                domain=("PMNT", "ICDT", "DMCT"),
                proprietary="PROP",
                additional_info="Batch",
                txs=[
                    TxSpec(
                        amount=Decimal("600.00"),
                        end_to_end_id="E2E-1",
                        acct_svcr_ref="TX-REF-1",
                        counterparty_name="Leverandør AS",
                        counterparty_account="86011117947",
                        charges=(Decimal("5.00"),),
                    ),
                    TxSpec(
                        amount=Decimal("400.00"),
                        kid=("12345678903", "00000000018"),
                        foreign=(Decimal("37.50"), "EUR"),
                        exchange=("EUR", "NOK", Decimal("10.6667")),
                        additional_info="Faktura 17",
                    ),
                ],
            ),
            EntrySpec(
                amount=Decimal("45.00"),
                credit_debit="DBIT",
                booking_date=DAY,
                domain=("ACMT", "MDOP", "CHRG"),
            ),
        ]
    )


def test_every_named_position_holds_its_field():
    data = _file()
    wires = [item for item in iter_camt053(data, wire=True) if item.__class__ is tuple]
    entries = [item for item in iter_camt053(data) if not isinstance(item, Camt053Statement)]
    assert len(wires) == len(entries) == 2
    for wire, entry in zip(wires, entries, strict=True):
        assert isinstance(entry, Camt053Entry)
        assert len(wire) == w.ENTRY_FIELDS
        assert wire[w.ENTRY_INDEX] == entry.index
        assert Decimal(wire[w.ENTRY_AMOUNT]) == entry.amount
        assert wire[w.ENTRY_CREDIT_DEBIT] == entry.credit_debit
        assert wire[w.ENTRY_REVERSAL] == entry.reversal
        assert wire[w.ENTRY_STATUS] == entry.status
        assert wire[w.ENTRY_BOOKING_DAY] == entry.booking_date.toordinal()
        value_day = wire[w.ENTRY_VALUE_DAY]
        assert (None if value_day is None else date.fromordinal(value_day)) == entry.value_date
        assert wire[w.ENTRY_ACCT_SVCR_REF] == entry.acct_svcr_ref
        assert wire[w.ENTRY_BANK_TX_CODE] == entry.bank_tx_code
        assert wire[w.ENTRY_BANK_TX_PROPRIETARY] == entry.bank_tx_proprietary
        assert wire[w.ENTRY_ADDITIONAL_INFO] == entry.additional_info
        assert wire[w.ENTRY_IS_CHARGE] == entry.is_charge
        assert wire[w.ENTRY_LINE] == entry.line
        assert wire[w.ENTRY_CURRENCY] == entry.currency
        assert Decimal(wire[w.ENTRY_CHARGES] or "0") == entry.charges
        txs = wire[w.ENTRY_TRANSACTIONS]
        assert len(txs) == len(entry.transactions)
        for t, tx in zip(txs, entry.transactions, strict=True):
            assert len(t) == w.TX_FIELDS
            assert (None if t[w.TX_AMOUNT] is None else Decimal(t[w.TX_AMOUNT])) == tx.amount
            assert t[w.TX_CREDIT_DEBIT] == tx.credit_debit
            assert t[w.TX_END_TO_END_ID] == tx.end_to_end_id
            assert t[w.TX_KIDS] == tx.kids
            assert t[w.TX_UNSTRUCTURED] == tx.unstructured
            assert t[w.TX_ACCT_SVCR_REF] == tx.acct_svcr_ref
            assert t[w.TX_COUNTERPARTY_NAME] == tx.counterparty_name
            assert t[w.TX_COUNTERPARTY_ACCOUNT] == tx.counterparty_account
            assert Decimal(t[w.TX_CHARGES] or "0") == tx.charges
            assert t[w.TX_ADDITIONAL_INFO] == tx.additional_info
            fx = t[w.TX_FOREIGN]
            if fx is None:
                assert tx.foreign is None
            else:
                assert len(fx) == w.FX_FIELDS
                assert Decimal(fx[w.FX_AMOUNT]) == tx.foreign.amount
                assert fx[w.FX_CURRENCY] == tx.foreign.currency
                assert (None if fx[w.FX_RATE] is None else Decimal(fx[w.FX_RATE])) == tx.foreign.rate
                assert fx[w.FX_SOURCE_CURRENCY] == tx.foreign.source_currency
                assert fx[w.FX_TARGET_CURRENCY] == tx.foreign.target_currency


def test_the_file_exercises_every_field():
    """The check above means something only if the file sets what it compares."""
    (statement,) = parse_camt053(_file())
    batch, fee = statement.entries
    assert (
        batch.reversal and batch.value_date and batch.proprietary if hasattr(batch, "proprietary") else True
    )
    assert batch.bank_tx_proprietary == "PROP" and batch.additional_info == "Batch"
    first, second = batch.transactions
    assert first.charges == Decimal("5.00") and first.counterparty_account and first.acct_svcr_ref
    assert (
        second.foreign is not None
        and second.foreign.rate
        and second.additional_info
        and len(second.kids) == 2
    )
    assert fee.is_charge and not fee.transactions


def test_the_positions_are_the_tuples_lengths_apart():
    for prefix, size in (("ENTRY_", w.ENTRY_FIELDS), ("TX_", w.TX_FIELDS), ("FX_", w.FX_FIELDS)):
        positions = sorted(
            value
            for name, value in vars(w).items()
            if name.startswith(prefix) and not name.endswith("_FIELDS")
        )
        assert positions == list(range(size)), prefix
