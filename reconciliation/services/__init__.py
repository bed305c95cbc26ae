"""Every write of bank reconciliation, by job: ``importing`` a camt.053 file (its ``statements``
and their entries ``staging``), ``automatch`` (with the ``reasons`` an entry stays unmatched),
``manual`` matching, and the bank ``feed``. Views, the API, the feed and the commands import
from here; a test that replaces a function patches it in the module that does the job."""

from .automatch import ReconcileReport, bank_account_reconcile, open_ledger_lines
from .feed import statements_fetch
from .importing import ImportResult, statement_file_import, upload_source
from .manual import entries_match, entry_post_and_match, entry_unmatch, match_undo
from .reasons import unmatched_reason_text
from .settling import entry_settle_open_items

__all__ = [
    "ImportResult",
    "ReconcileReport",
    "bank_account_reconcile",
    "entries_match",
    "entry_post_and_match",
    "entry_settle_open_items",
    "entry_unmatch",
    "match_undo",
    "open_ledger_lines",
    "statement_file_import",
    "statements_fetch",
    "unmatched_reason_text",
    "upload_source",
]
