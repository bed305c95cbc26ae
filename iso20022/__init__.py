"""ISO 20022: the bank files the portal writes and reads, and nothing else.

A plain package: it imports no Django and no part of the portal (import-linter holds it to
that), so every reader and writer can be tested byte for byte on its own, and camt.053's
parsing process starts without Django. The apps use it: remittance writes pain.001 and reads
pain.002 and camt.054, reconciliation reads camt.053.

* :mod:`.xsd`: the official schemas (from the installed packages that ship them) and the one
  safe way to parse bank XML; :mod:`.errors`: :class:`~.errors.IsoFormatError`;
  :mod:`.dates`: ISO dates and times, and the Oslo business date of an instant.
* One module or package per message: :mod:`.pain001` (the payment file we send),
  :mod:`.pain002` (the bank's status report on it), :mod:`.camt054` (its debit
  notification), :mod:`.camt053` (the bank statement).

Where a message has more than one version, its package keeps what every version shares
(the data, the checks) apart from what one version writes or reads: pain.001 is written in
``pain001/v03.py`` and ``pain001/v09.py`` (2019); the readers take the 2009 and 2019 versions
by the file's namespace (``camt053/tags.py`` names the elements per version, camt.054 and
pain.002 take the file's :class:`~.xsd.Tags`), each file checked against its own version's
schema in :mod:`.xsd`.
"""
