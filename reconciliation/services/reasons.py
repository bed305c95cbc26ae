"""Why the matcher left a bank entry, worded for a person and kept beside the entry."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext_noop

from bankint.formatting import amount
from bankint.stored_text import register_keys, stored

from .. import matching
from ..models import StatementEntry

CHUNK = 2000


def chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


_WHY = {
    matching.Why.REFERENCE_AMBIGUOUS: gettext_noop(
        "%(count)d open ledger lines carry the reference %(reference)s; choose one by hand."
    ),
    matching.Why.REFERENCE_PARTIAL: gettext_noop(
        "Only %(found)d of its %(wanted)d references are on open ledger lines (not %(missing)s); "
        "match it by hand."
    ),
    matching.Why.REFERENCE_SUM: gettext_noop(
        "The ledger lines with its references add up to %(total)s, but the bank booked %(amount)s; "
        "match it by hand."
    ),
    matching.Why.OCR_TOTAL: gettext_noop(
        "OCR assignment %(reference)s totals %(total)s, but the bank booked %(amount)s; match it by hand."
    ),
    matching.Why.AMOUNT_DATE_AMBIGUOUS: gettext_noop(
        "%(count)d open ledger lines of %(amount)s within ±%(window)d banking days; choose one by hand."
    ),
    matching.Why.AMOUNT_DATE_SHARED: gettext_noop(
        "The one open ledger line of %(amount)s within ±%(window)d banking days also fits another "
        "bank entry; choose by hand."
    ),
    matching.Why.REVERSAL: gettext_noop("A reversal of an earlier booking: match or post it by hand."),
    matching.Why.BATCH_CHARGES: gettext_noop(
        "A batch booking with charges whose payments were not all found; match it by hand."
    ),
    matching.Why.NO_CANDIDATE: gettext_noop(
        "No open ledger line of %(amount)s within ±%(window)d banking days and no known reference."
    ),
}
_WHY_SUM_WITH_CHARGES = gettext_noop(
    "The ledger lines with its references add up to %(total)s, but the bank booked %(amount)s "
    "with %(charges)s in charges; match it by hand."
)


# The column is narrow: it keeps a short key and the values, worded when a person reads it.
register_keys({f"why.{code}": template for code, template in _WHY.items()})
register_keys({"why.REFERENCE_SUM_CHARGES": _WHY_SUM_WITH_CHARGES})


def unmatched_reason_text(unmatched: matching.Unmatched) -> str:
    """The matcher's reason for leaving an entry, kept as a message id and its values
    (:mod:`bankint.stored_text`), so each reader reads it in their own language."""
    params = dict(unmatched.params)
    key = f"why.{unmatched.code}"
    if unmatched.code not in _WHY:
        return unmatched.reason[:200]
    if unmatched.code == matching.Why.REFERENCE_SUM and params.get("charges") not in (None, Decimal(0)):
        key = "why.REFERENCE_SUM_CHARGES"
    text = stored("", key=key, **params)
    if len(text) > 200:  # long reference lists: worded now, in the importer's language
        text = (
            str(_WHY_SUM_WITH_CHARGES if key.endswith("CHARGES") else _WHY[unmatched.code])
            % {name: amount(value) if isinstance(value, Decimal) else value for name, value in params.items()}
        )[:200]
    return text


def store_unmatched_reasons(unmatched: Sequence[matching.Unmatched], sink=None, stored=frozenset()) -> None:
    """Keep why the matcher left each entry for a person, so the person sees it beside the entry.

    Entries still in ``sink`` (an import's new ones, not yet in their table) get their reason
    when they are written; the others with one bulk UPDATE per batch.
    """
    if not unmatched:
        return
    texts: dict = {}  # one wording per distinct reason: most share the few default ones
    in_table: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    for item in unmatched:
        key = (item.code, item.params, item.reason)
        text = texts.get(key)
        if text is None:
            text = texts[key] = unmatched_reason_text(item)
        (pending if sink is not None and item.id not in stored else in_table).append((item.id, text))
    if pending:
        sink.set_reasons(pending)
    if in_table:
        _entries_set_reasons(in_table)


def _entries_set_reasons(pairs: Sequence[tuple[int, str]]) -> None:
    """Set each unmatched entry's ``unmatched_reason``; one statement per batch."""
    table = connection.ops.quote_name(StatementEntry._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunks(pairs):
            # Rows whose reason did not change are not rewritten (a re-run over old entries).
            cursor.execute(
                f"UPDATE {table} AS e SET unmatched_reason = v.reason "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::varchar[]) AS v(id, reason) "
                "WHERE e.id = v.id AND e.status = %s AND e.unmatched_reason <> v.reason",
                [
                    [entry_id for entry_id, _reason in chunk],
                    [reason for _entry_id, reason in chunk],
                    StatementEntry.Status.UNMATCHED,
                ],
            )
