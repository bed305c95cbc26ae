"""An import's new camt.053 entries, staged by COPY while the file is parsed, written once.

New entries (``StagedEntries``) stream by COPY into a temporary table while the file is
parsed, keeping only the matcher's compact values in memory; matching then runs inside the
import, and the entries go into their table with one ``INSERT … SELECT`` already carrying
their status and their match, so no entry is written twice and an entry needs no link row of
its own. Entries are checked once per statement by triggers, not per row at commit (see
docs/DATABASE.md).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection

from bankint.db import copy_rows, id_sequence, next_ids
from iso20022 import camt053

from .. import matching
from ..models import Statement, StatementEntry, StatementFile

BATCH = 2000  # entries per COPY batch, ids per sequence call
ZERO = Decimal("0.00")

# Tokens a payer or the bank wrote in free text that may be an invoice number or an OCR
# assignment reference: 3–35 characters with at least one digit.
_TOKEN_RE = re.compile(r"\b(?=[A-Za-z0-9-]*[0-9])[A-Za-z0-9-]{3,35}\b")


def _references(texts: Iterable[str | None]) -> list[str]:
    found: list[str] = []
    for text in texts:
        for token in _TOKEN_RE.findall(text or ""):
            if token not in found:
                found.append(token)
                if len(found) >= 10:
                    return found
    return found


# What waits in the staging table: every column of an entry but those matching decides
# (``StagedEntries.write`` adds them), in the model's order, the order ``add`` builds its rows
# in (a column added to the model and not to ``add`` fails the first COPY, loudly).
DECIDED = ("status", "matched_rule", "match_id", "unmatched_reason")
STAGE_FIELDS = tuple(f.column for f in StatementEntry._meta.concrete_fields if f.column not in DECIDED)


def _entry_values(entry: camt053.Camt053Entry) -> tuple:
    """(EndToEndIds, KIDs, references, text, counterparty name, counterparty account, amounts in
    other currencies) of an entry.

    One pass over the entry's transactions (this runs once per entry of a 100,000-entry file).
    Every KID of every transaction is kept: one payment may settle several invoices. The
    transactions' own notes (AddtlTxInf, where a card purchase says "USD 140.00 … Kurs:
    8.9275") are shown in the text but not searched for invoice numbers.
    """
    e2e: list[str] = []
    kids: list[str] = []
    texts: list[str] = []
    notes: list[str] = []
    foreign: list[dict] = []
    name = other = ""
    for tx in entry.transactions:
        ref = tx.end_to_end_id
        if ref and ref != "NOTPROVIDED":
            e2e.append(ref)
        if tx.kids:
            kids.extend(tx.kids)
        if tx.unstructured:
            texts.append(tx.unstructured)
        if tx.additional_info:
            notes.append(tx.additional_info)
        if tx.foreign is not None:
            foreign.append(_foreign_json(tx.foreign))
        if not name and tx.counterparty_name:
            name = tx.counterparty_name
        if not other and tx.counterparty_account:
            other = tx.counterparty_account
    if entry.additional_info:
        texts.append(entry.additional_info)
    references = _references(texts)
    if notes:
        texts.extend(note for note in dict.fromkeys(notes) if note not in texts)
    if len(kids) > 1:
        kids = list(dict.fromkeys(kids))
    return e2e, kids, references, " · ".join(texts)[:500], name[:140], other[:34], foreign


def _foreign_json(fx: camt053.Camt053Fx) -> dict:
    """A transaction's amount in another currency as ``StatementEntry.foreign_amounts`` keeps it."""
    found = {"amount": str(fx.amount), "currency": fx.currency}
    if fx.rate is not None:
        found["rate"] = str(fx.rate)
    if fx.source_currency:
        found["source"] = fx.source_currency
    if fx.target_currency:
        found["target"] = fx.target_currency
    return found


# Strings JSON can hold between quotes as they are: no quote, backslash or control character.
_JSON_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')


def _json_list(values: list[str]) -> str:
    """``json.dumps`` of a list of strings, without its encoder for the usual plain ones."""
    if not values:
        return "[]"
    if _JSON_PLAIN.fullmatch("".join(values)):
        return '["' + '","'.join(values) + '"]'
    return json.dumps(values)


class StagedEntries:
    """New entries wait in a temporary table until matching has decided their status.

    Matching before the insert writes every entry once, already MATCHED or not: an UPDATE of
    100,000 freshly inserted rows rewrites each row and its index entries a second time,
    which cost more than the insert itself. Rows stream to the server in COPY batches while
    the file is parsed (the server stores one batch while we parse the next), and only what
    matching needs stays in memory: one :class:`matching.BankEntry` per booked entry. Entry
    ids come from the table's sequence in blocks, so matches can name entries not yet
    inserted (the entries, naming their matches, are written after them and checked per
    statement against them).

    Deduplication: the import holds the company's bank account rows locked (see ``statements.load``),
    so no other import can add entries to these accounts before this one commits; keys the
    accounts already have, or that occur twice in the file, are taken out of the staging
    table before matching (``settle``) and reported as "already imported".
    """

    STAGE = "recon_entry_stage"
    STATUS = "recon_entry_status"
    REASON = "recon_entry_reason"

    def __init__(self, company, file: StatementFile, now):
        self.company_id, self.file_id, self.now = company.pk, file.pk, now
        self.rows: list[tuple] = []
        self.ids: list[int] = []
        self.by_account: dict[int, list[matching.BankEntry]] = defaultdict(list)
        self.duplicates: set[int] = set()
        self.account_keys: dict[int, str] = {}
        self.days: dict = {}
        self.reasons: list[tuple[int, str]] = []  # (entry id, why unmatched), stored by ``write``
        quote = connection.ops.quote_name
        self.table = StatementEntry._meta.db_table
        self.sequence = id_sequence(self.table)
        self.columns = ", ".join(quote(name) for name in STAGE_FIELDS)
        # Names come from the model's metadata through quote_name, never from input.
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.STAGE} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {self.columns} FROM {quote(self.table)} WITH NO DATA"
            )
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.STATUS} (id bigint, rule varchar(20), match_id bigint) "
                "ON COMMIT DROP"
            )
            cursor.execute(f"TRUNCATE {self.STAGE}, {self.STATUS}")

    def _next_id(self) -> int:
        if not self.ids:
            self.ids = next_ids(self.sequence, BATCH)
            self.ids.reverse()
        return self.ids.pop()

    def add(self, statement: Statement, entry: camt053.Camt053Entry, key: str) -> None:
        entry_id = self._next_id()
        account_id = statement.bank_account_id
        e2e, kids, references, text, name, other, foreign = _entry_values(entry)
        amount = entry.signed_amount
        self.rows.append(
            (
                entry_id,
                self.company_id,
                account_id,
                statement.pk,
                self.file_id,
                key,
                entry.booking_date,
                entry.value_date,
                amount,
                entry.currency,
                entry.reversal,
                entry.status[:4],
                entry.acct_svcr_ref or "",
                (entry.bank_tx_code or entry.bank_tx_proprietary or "")[:40],
                # JSON as text: the server parses it into the jsonb columns.
                _json_list(e2e),
                "[]",  # uetrs: filled by the currency work (issue 25)
                _json_list(kids),
                _json_list(references),
                text,
                name,
                other,
                entry.is_charge,
                entry.charges,
                json.dumps(foreign) if foreign else "[]",
                self.now,
            )
        )
        if entry.status == "BOOK":  # what bank_account_reconcile would read back: booked entries only
            # Compact: shared account key, dates and zero charges (100,000 entries, few days).
            account_key = self.account_keys.setdefault(account_id, str(account_id))
            day = self.days.setdefault(entry.booking_date, entry.booking_date)
            self.by_account[account_id].append(
                matching.BankEntry(
                    id=entry_id,
                    account=account_key,
                    booking_date=day,
                    amount=amount,
                    end_to_end_ids=tuple(e2e),
                    kids=tuple(kids),
                    references=tuple(references),
                    is_charge=entry.is_charge,
                    reversal=entry.reversal,
                    charges=entry.charges or ZERO,
                )
            )
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            copy_rows(self.STAGE, STAGE_FIELDS, self.rows)
            self.rows.clear()

    def settle(self) -> int:
        """Take out keys the accounts already have or the file repeats; the number of new entries."""
        self.flush()
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            # Statistics for the two joins below; the key column's own (long strings, costly to
            # sample) would not change their plan.
            cursor.execute(f"ANALYZE {self.STAGE} (id, bank_account_id)")
            cursor.execute(
                f"""
                DELETE FROM {self.STAGE} AS s USING (
                    SELECT st.id FROM {self.STAGE} AS st
                      JOIN {table} AS e
                        ON e.bank_account_id = st.bank_account_id AND e.dedup_key = st.dedup_key
                    UNION
                    SELECT d.id FROM (
                        SELECT id, row_number() OVER (
                            PARTITION BY bank_account_id, dedup_key ORDER BY id
                        ) AS n FROM {self.STAGE}
                    ) AS d WHERE d.n > 1
                ) AS dup
                WHERE s.id = dup.id
                RETURNING s.id
                """  # noqa: S608
            )
            self.duplicates = {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT count(*) FROM {self.STAGE}")  # noqa: S608
            return cursor.fetchone()[0]

    def pending(self, account_id: int) -> list[matching.BankEntry]:
        """The account's new booked entries for the matcher (handed over once)."""
        entries = self.by_account.pop(account_id, [])
        if self.duplicates:
            entries = [e for e in entries if e.id not in self.duplicates]
        return entries

    def set_statuses(self, matched: Iterable[tuple[int, str, int]]) -> None:
        """(entry id, rule, match id) of new entries that matching matched."""
        copy_rows(self.STATUS, ["id", "rule", "match_id"], matched, types=["int8", "varchar", "int8"])

    def set_reasons(self, pairs: Sequence[tuple[int, str]]) -> None:
        self.reasons.extend(pairs)

    def forget_statuses(self) -> None:
        self.reasons.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {self.STATUS}")

    def write(self) -> None:
        """One INSERT … SELECT: the staged entries with the status and match (or, unmatched,
        the reason) matching gave them. No entry is written twice, however many stay
        unmatched (a first import before the ledger has its postings leaves them all so)."""
        self.by_account.clear()
        quote = connection.ops.quote_name
        names = (
            f"{self.columns}, {quote('status')}, {quote('matched_rule')}, {quote('unmatched_reason')}, "
            f"{quote('match_id')}"
        )
        staged = ", ".join(f"s.{quote(name)}" for name in STAGE_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.REASON} (id bigint, reason text) ON COMMIT DROP"
            )
            cursor.execute(f"TRUNCATE {self.REASON}")
        if self.reasons:
            copy_rows(self.REASON, ["id", "reason"], self.reasons, types=["int8", "text"])
            self.reasons = []
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.STATUS}")
            cursor.execute(f"ANALYZE {self.REASON}")
            cursor.execute(
                f"INSERT INTO {quote(self.table)} ({names}) "  # noqa: S608
                f"SELECT {staged}, CASE WHEN r.id IS NULL THEN %s ELSE %s END, COALESCE(r.rule, ''), "
                f"CASE WHEN r.id IS NULL THEN COALESCE(w.reason, '') ELSE '' END, r.match_id "
                f"FROM {self.STAGE} AS s LEFT JOIN {self.STATUS} AS r ON r.id = s.id "
                f"LEFT JOIN {self.REASON} AS w ON w.id = s.id",
                [StatementEntry.Status.UNMATCHED, StatementEntry.Status.MATCHED],
            )
            cursor.execute(f"TRUNCATE {self.STAGE}, {self.STATUS}, {self.REASON}")
