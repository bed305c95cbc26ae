"""Importing a Nets OCR file: received, checked whole, then stored and settled in one transaction.

``ocr_file_import`` reads and checks the whole file before it writes anything (a structural
or control-total error rejects the file whole: only the rejected file and its reason are
stored), then stores and settles it in one database transaction, in a constant number of
queries per batch: a file's KIDs are looked up in one query, transactions and invoice
settlements are written with COPY (as text the import formats itself), invoices updated in
one statement. Where the time goes at 100,000 payments (the import must beat netsgiro's
mere parse): the parse, the two COPYs and the invoice UPDATE, each a few tenths of a second;
the per-row costs that used to dominate (deferred foreign-key checks, index entries for every
updated invoice, one object per parsed record) are designed out in the models and the
ledger's migrations.

The steps before and after are the bank-file intake (``bankint.intake``) that the camt.053
import shares: hash, duplicate or conflict, reject, store raw, notify. The rest is by job:
``reading`` (the parse), ``settling`` (what each transaction does), ``storing`` (the writes).
"""

from __future__ import annotations

import threading
import zlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bankint.intake import Notice, Received, received
from notifications.models import Notification

from ..models import OcrFile
from ..parsing import OcrParseError, OcrTransmissionStart
from .intake import INTAKE
from .reading import Parsed, parse, parse_error_reason, same_content
from .settling import decide, ocr_accounts
from .storing import store

# Upload limit: a day's OCR file for a large company is a few tens of MB.
MAX_FILE_BYTES = 64 * 1024 * 1024


class _Compressed:
    """The file's bytes as stored (zlib), compressed in a thread: zlib releases the GIL, so
    this runs on another core while the file is parsed instead of after it."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data
        self._result: bytes | None = None
        self._thread = threading.Thread(target=self._run, name="ocr-compress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._result = zlib.compress(self._data, 1)  # type: ignore[arg-type]

    def get(self) -> bytes:
        self._thread.join()
        if self._result is None:  # the thread failed (out of memory): do it here, and fail here
            self._result = zlib.compress(self._data, 1)  # type: ignore[arg-type]
        self._data = None
        return self._result


def ocr_file_import(
    company,
    data,
    *,
    source: str = OcrFile.Source.UPLOAD,
    filename: str = "",
    bank_file_id: int | None = None,
    user=None,
) -> OcrFile:
    """Import one Nets OCR file for ``company``; the returned file's status says what happened.

    ``data`` is the file's bytes, or its path or a seekable binary file.
    REJECTED: nothing but the file and its reason stored (and an error notification).
    DUPLICATE: the same bytes, or the same transmission with the same records (a re-send with
    other line endings), already imported: 0 new rows.
    IMPORTED / PARTLY_UNASSIGNED: stored and settled; assignments for accounts the company has
    not registered with Nets OCR are kept aside as unassigned. Transactions already imported
    (the same account, assignment, number, date, amount, KID and archive reference) are
    skipped and counted. A file that reuses an imported file's transmitter and transmission
    number with other content is a conflict, never a duplicate: it is imported that way
    (``conflict_with`` names the other file) and an error notification says so.
    """
    file = received(data if data is not None else b"")
    del data
    fields = row_fields(source, filename, bank_file_id, user)
    original = _find_original(company, file.sha256)
    if original is not None:
        return _store_duplicate(company, file, original, fields)
    if file.size > MAX_FILE_BYTES:
        reason = _("The file is larger than %(mb)d MB; an OCR file is never that large.") % {
            "mb": MAX_FILE_BYTES // (1024 * 1024)
        }
        return _reject(company, file, reason, fields)
    content = file.read()
    raw = _Compressed(content)  # on another core while the file is parsed
    try:
        parsed = parse(content)
    except OcrParseError as exc:
        return _reject(company, file, parse_error_reason(exc), fields)
    expected = settings.OCR_DATA_RECIPIENT
    if parsed.start.recipient != expected:
        reason = _(
            "Line %(line)d: the file is addressed to data recipient %(got)s, not to ours (%(expected)s)."
        ) % {"line": parsed.start.line_no, "got": parsed.start.recipient, "expected": expected}
        return _reject(company, file, reason, fields)
    for attempt in range(3):
        original = _find_original(company, file.sha256) if attempt else None
        if original is not None:  # another worker imported these bytes meanwhile
            return _store_duplicate(company, file, original, fields)
        earlier = _same_transmission(company, parsed.start)
        for other in earlier:
            if same_content(other, content):
                return _store_duplicate(company, file, other, fields)
        conflict_with = earlier[0] if earlier else None
        try:
            return import_part(
                company,
                parsed,
                ocr_accounts(company),
                raw=raw.get(),
                conflict_with=conflict_with,
                fields={**fields, "sha256": file.sha256, "size": file.size},
            )
        except IntegrityError:
            # Another worker imported this file (or some of its payments) at the same moment:
            # look again, now that its rows are visible.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def import_part(company, parsed: Parsed, accounts, *, raw: bytes, conflict_with, fields: dict) -> OcrFile:
    """A checked file (or a company's part of a vendor-level transmission) settled and stored
    for ``company`` in one transaction: what every OCR import of a company comes down to.
    ``accounts`` are the company's accounts registered for Nets OCR (by number), ``raw`` the
    bytes as stored (zlib), ``fields`` the file row's own columns."""
    decided = decide(company, parsed, accounts)
    return store(company, parsed, accounts, decided, raw=raw, conflict_with=conflict_with, fields=fields)


def _reject(company, file: Received, reason: str, fields: dict) -> OcrFile:
    """The refused file recorded (its head kept), audited, and said to the company."""
    bank_file_id = fields["bank_file_id"]
    name = fields["filename"]

    def notice(row: OcrFile) -> Notice:
        return Notice(
            title=_("OCR file rejected"),
            body=_(
                "The OCR file %(name)s (#%(id)d) was rejected and nothing in it was imported: %(reason)s. "
                "Ask the bank or Nets for a corrected file and import it again; the rejected file is kept "
                "under OCR files."
            )
            % {"name": name or _("from the bank"), "id": row.pk, "reason": reason},
            level=Notification.Level.ERROR,
            link=f"/ocr/{row.pk}/",
            dedup_key=f"ocr-rejected:{file.sha256}",
        )

    # The bank delivering the same refused file again finds it recorded already.
    earlier = None
    if bank_file_id is not None:
        earlier = OcrFile.objects.filter(
            company=company, bank_file_id=bank_file_id, status=OcrFile.Status.REJECTED
        )
    return INTAKE.reject(company, file, reason, fields=fields, earlier=earlier, notice=notice)


def _store_duplicate(company, file: Received, original: OcrFile, fields: dict) -> OcrFile:
    """A re-send recorded as a duplicate of ``original``, with nothing imported."""
    with transaction.atomic():
        duplicate = OcrFile.objects.create(
            company=company,
            status=OcrFile.Status.DUPLICATE,
            reason=_("Already imported as #%(id)d.") % {"id": original.pk},
            **duplicate_columns(file, original),
            **fields,
        )
        INTAKE.audit("duplicate", duplicate, company, {"duplicate_of": original.pk, "sha256": file.sha256})
    return duplicate


def row_fields(source: str, filename: str, bank_file_id: int | None, user) -> dict:
    """The columns a received file's row (an ``OcrFile`` or an ``OcrTransmission``) takes from
    how it came in, whatever becomes of it."""
    return {
        "source": source,
        "filename": (filename or "")[:200],
        "bank_file_id": bank_file_id,
        "created_by": user,
    }


def duplicate_columns(file: Received, original) -> dict:
    """The columns of a re-send's DUPLICATE row (an ``OcrFile`` or an ``OcrTransmission``): its
    own bytes, kept (a re-send may differ in line endings), and the original's transmission."""
    return {
        "raw": zlib.compress(file.read(), 1),
        "sha256": file.sha256,
        "size": file.size,
        "transmitter": original.transmitter,
        "transmission_number": original.transmission_number,
        "recipient": original.recipient,
        "duplicate_of": original,
    }


def _find_original(company, sha: str) -> OcrFile | None:
    """The accepted file with these very bytes."""
    return INTAKE.accepted(company, sha)


def _same_transmission(company, start: OcrTransmissionStart) -> list[OcrFile]:
    """The accepted files with this data transmitter and transmission number, latest first."""
    return list(
        OcrFile.objects.filter(
            company=company,
            status__in=OcrFile.ACCEPTED,
            transmitter=start.transmitter,
            transmission_number=start.number,
        ).order_by("-id")
    )
