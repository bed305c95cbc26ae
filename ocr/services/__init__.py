"""Every write of the OCR app, by job: ``importing`` a Nets OCR file (``reading`` it,
``settling`` each transaction, ``storing`` the result), ``allocate`` by hand what it left
unmatched, the vendor-level ``transmissions`` Nets delivers to the data recipient for every
customer (split by account into each company's part), and the bank ``feed``. Views, the API, the feed and the command import from here;
a test that replaces a function patches it in the module that does the job."""

from .allocate import ocr_transaction_allocate
from .feed import ocr_files_fetch
from .importing import MAX_FILE_BYTES, ocr_file_import
from .reading import parse_error_reason
from .transmissions import ocr_kept_aside_import, ocr_transmission_import, ocr_transmission_retry

__all__ = [
    "MAX_FILE_BYTES",
    "ocr_file_import",
    "ocr_files_fetch",
    "ocr_kept_aside_import",
    "ocr_transaction_allocate",
    "ocr_transmission_import",
    "ocr_transmission_retry",
    "parse_error_reason",
]
