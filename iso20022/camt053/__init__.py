"""Streaming reader for camt.053.001.02 bank statements (kontoutskrift), the input of reconciliation.

Why it exists: every morning the bank sends what it booked on each account; reconciliation
matches those entries against the ledger. Statement files reach
100,000 entries, come from a network we do not control, and decide what the customer sees as
"reconciled", so this package reads them

* **streaming**: ``lxml.etree.iterparse`` on ``Ntry``/``Stmt``/``GrpHdr`` only, each element
  cleared and its processed siblings deleted, so the tree never holds more than one entry
  (:func:`iter_camt053` yields as it goes; :func:`parse_camt053` collects for callers that
  want whole statements);
* **safely**: no entity expansion, no DTD, no network, ``huge_tree`` off (which also caps the
  nesting depth), any ``DOCTYPE`` refused, a bounded input size, never ``recover=True``;
* **strictly**: one domain error, :class:`CamtParseError`, naming the element and its line,
  for anything a bank file must not contain (more than two decimals, negative or non-numeric
  amounts, missing ``Acct``/``Bal``/``Amt``/``CdtDbtInd``/``BookgDt``, the wrong message).
  Its message is a template and its values, kept apart, so the service shows it in the
  user's language (this package imports no Django; ``_`` only marks the text);
* **whole or not at all**: a file is whole when its bytes end with the root's end tag (and
  nothing but whitespace, comments and processing instructions after it), whatever the
  parser reports (:meth:`_BoundedReader.ends_the_document`); a file libxml2 refuses is read
  again, whole, up to 8 MB, to tell "not XML" from "breaks the schema" and to name the
  element, the rule and the line (:func:`_diagnosed`).

Rules this package decides, each from the standard or from importers that learned it the hard
way:

* **Balances.** Opening = ``OPBD``, else ``PRCD`` (the previous statement's closing balance,
  which is by definition this one's opening). Closing = ``CLBD``, else the last ``ITBD``
  (banks that send intraday statements only). ``balance_types_used`` says which were used.
* **Reversals.** ISO 20022 defines ``RvslInd`` as "the entry is the result of a reversal"
  and ``CdtDbtInd`` as the direction of *this* operation (CRDT an increase, DBIT a
  decrease); the message definition's usage note adds that with ``RvslInd`` true a CRDT
  entry undoes an original debit and a DBIT entry an original credit. So a reversed credit
  arrives as ``DBIT`` + ``RvslInd`` and reduces the balance: the sign always follows
  ``CdtDbtInd`` (which is also what makes opening + entries = closing hold), and
  :attr:`Camt053Entry.original_credit_debit` gives the flipped direction of the booking
  being undone.
* **Batch entries.** An entry with several ``TxDtls`` is split by each transaction's own
  amount in the entry's currency (``AmtDtls/TxAmt/Amt``, else ``InstdAmt``, else
  ``CntrValAmt``, else ``Amt``), never by the entry total. A single ``TxDtls`` without such an
  amount takes the entry's amount (and one that states the entry's amount among others is
  that amount); several without any amount are refused (splitting by guesswork would invent
  money). When the transactions do not add up to the entry, the difference is the bank's
  charges: ``entry.charges = Σ signed tx amounts − entry.signed_amount`` (positive = the bank
  took a fee, e.g. a debit of 1,010.00 for payments of 1,000.00; negative = the bank added
  money). Each transaction's own ``Chrgs/Amt`` (in the entry's currency) are reported in
  :attr:`Camt053Tx.charges`.
* **Other currencies.** An amount in another currency than the entry's (a card purchase of
  USD 140.00 booked as NOK 1,249.85) is kept, with the exchange the bank gave (``CcyXchg``),
  as :attr:`Camt053Tx.foreign`, and is never booked, split by or compared with the entry: the
  entry's amount, in the account's currency, is what is booked. A batch's payment known only
  in another currency has no amount (``None``), and its entry then no charges (the split in
  the entry's currency is unknown, so none is guessed).
* **References.** Every ``Strd/CdtrRefInf/Ref`` of a transaction is kept
  (:attr:`Camt053Tx.kids`): one payment may settle several invoices.
* **Dates.** ``BookgDt``/``ValDt`` as ``Dt`` or ``DtTm``; a ``DtTm`` with an offset is turned
  into the Norwegian business date (Europe/Oslo), a naive one is taken as local. ``ValDt`` may
  be missing (``value_date=None``).
* **Accounts.** ``Acct/Id/Othr/Id`` (a BBAN, separators dropped) or ``Acct/Id/IBAN``; a
  Norwegian IBAN becomes its 11-digit BBAN because the portal keys accounts on it. A foreign
  IBAN is returned as the IBAN, which the importer then reports as an unknown account.
* **Deduplication** (:func:`entry_key`, :func:`statement_entry_keys`): see there.

XSD validation: the official schema is checked *during* the same streaming pass
(``validate=True``, the default; schema from the installed ``camt053`` package, found by
:func:`iso20022.xsd.get_schema` without importing it). Measured on
a generated 100,000-entry file (67 MB, a 2-core machine whose speed moves by a third from
hour to hour): plain lxml parse + XPath over the entries 2.8–3.9 s; the parsing process
alone (:class:`ParseProcess`'s child, entries read into their wire form) 3.1 s without and
4.3–4.7 s with validation; peak RSS 27 and 28 MB streaming (flat: 2,000 and 20,000 entries
peak alike), 158 MB when :func:`parse_camt053` keeps all 100,000 entries. Validation stays
on: it costs 1.2–1.6 s per 100,000 entries, and it is what turns "a bank sent something
odd" into a clear message naming the element instead of a wrong balance or a silently
skipped field. ``validate=False`` exists for benchmarks and for
callers that have validated already. The importer has a big file parsed and checked by
:class:`ParseProcess` in a process of its own while it does its own work per entry; the
checks this package makes itself (mandatory elements, amounts, dates, indicators, a file that
ends before its Document does) apply either way.

The modules, by job: :mod:`.reader` (the stream, its input bounded and checked),
:mod:`.diagnosis` (what a refused file breaks, and where), :mod:`.header` (a statement's
account and balances), :mod:`.entry` and :mod:`.transaction` (an ``Ntry`` and its ``TxDtls``,
read into their wire form), :mod:`.wire` (that form's positions, and the entry made of it),
:mod:`.values` (small checked readers over an element), :mod:`.model` (what the reader
gives), :mod:`.process` (:class:`ParseProcess`, the parse in a process of its own),
:mod:`.keys` (balance check, deduplication keys), :mod:`.errors`. What is camt.053.001.02's
alone is its namespace and schema name (:mod:`.tags`). Names with a leading underscore are
the package's own: imported between its modules, never from outside (``_base_hash``, which
the importer numbers occurrences with, is the exception re-exported here).
"""

from .errors import CamtParseError
from .keys import _base_hash, entry_key, statement_balance_check, statement_entry_keys
from .model import CHARGE_SUBFAMILIES, Camt053Entry, Camt053Fx, Camt053Statement, Camt053Tx
from .process import ParseProcess, ParseProcessFailed
from .reader import DEFAULT_MAX_BYTES, iter_camt053, parse_camt053
from .tags import NS_CAMT053

__all__ = [
    "CHARGE_SUBFAMILIES",
    "DEFAULT_MAX_BYTES",
    "NS_CAMT053",
    "Camt053Entry",
    "Camt053Fx",
    "Camt053Statement",
    "Camt053Tx",
    "CamtParseError",
    "ParseProcess",
    "ParseProcessFailed",
    "_base_hash",
    "entry_key",
    "iter_camt053",
    "parse_camt053",
    "statement_balance_check",
    "statement_entry_keys",
]
