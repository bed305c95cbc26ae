"""The ISO 20022 schemas and the one safe way to read bank XML, shared by every format module.

Why a module of its own: every file the portal writes (pain.001) must validate against the
official XSD before it leaves, and every file the bank sends (pain.002, camt.054, camt.053)
is validated before a single value is trusted. The schemas come from the installed packages
that ship them (``pain001`` and ``camt053``) through :mod:`importlib.resources`, never from a
path in the repository or the network, so a fresh clone and a production image validate
against exactly the same files.

Bank files are untrusted input (RELIABILITY.md row 7): an XML file can try to read local
files (XXE), to exhaust memory (billion laughs, deep nesting) or to reach the network. The
parser here resolves no entities, loads no DTD, reaches no network, keeps libxml2's size and
depth limits (``huge_tree=False``) and refuses any document with a DOCTYPE at all: no ISO
20022 message has one, so a DOCTYPE is never legitimate. It never uses ``recover=True``: a
broken file is rejected whole, not half-read.

Compiled schemas are cached per thread: an ``XMLSchema`` object keeps the error log of its
last run, so two threads validating with the same object could report each other's errors.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import importlib.util
import re
import threading
from datetime import date, datetime
from pathlib import Path

from lxml import etree

__all__ = [
    "MAX_XML_BYTES",
    "NS_CAMT053",
    "NS_CAMT054",
    "NS_PAIN001",
    "NS_PAIN002",
    "IsoFormatError",
    "assert_valid",
    "get_schema",
    "parse_iso_date",
    "parse_iso_datetime",
    "parse_xml",
    "safe_parser",
    "schema_file",
]

NS_PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
NS_PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
NS_CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
NS_CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"

# Message name → (package, resource path inside it, namespace). The paths are the ones the
# pinned packages ship; a package upgrade that moves them fails loudly in the tests.
_SCHEMAS: dict[str, tuple[str, str, str]] = {
    "pain.001.001.03": ("pain001", "templates/pain.001.001.03/pain.001.001.03.xsd", NS_PAIN001),
    "pain.002.001.03": ("pain001", "pain002/schemas/pain.002.001.03.xsd", NS_PAIN002),
    "camt.053.001.02": ("camt053", "xsd/camt.053.001.02.xsd", NS_CAMT053),
    "camt.054.001.02": ("camt053", "xsd/camt.054.001.02.xsd", NS_CAMT054),
}

# A pain.002 with 10,000 statuses is about 5 MB and a busy day's camt.054 a few tens of MB.
# Anything far beyond that is not a bank file; refusing it early bounds memory.
MAX_XML_BYTES = 200 * 1024 * 1024

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


class IsoFormatError(ValueError):
    """A file (or the data for one) breaks ISO 20022, the XSD, or a rule the XSD cannot check.

    ``message`` says what is wrong in words an accountant or a support engineer can act on;
    ``path`` says where: an XPath-like location in the document (``/Document/.../InstdAmt``)
    or, for input data, the field (``batches[0].payments[3].amount``). The positional
    arguments are kept in ``args`` so the error survives pickling (Celery).
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message, path)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.message} (at {self.path})" if self.path else self.message


def safe_parser() -> etree.XMLParser:
    """A parser for untrusted bank XML: no entities, no DTD, no network, libxml2's limits on."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=False,
        load_dtd=False,
    )


_local = threading.local()


def schema_file(package: str, resource: str) -> contextlib.AbstractContextManager[Path]:
    """A real path to ``resource`` in the installed ``package``, found without importing it.

    Importing ``pain001`` or ``camt053`` runs their own code (command line, templating, a
    second XML-schema library) and costs a process 25-30 MB of memory for nothing this
    module uses: a camt.053 import's parsing process was twice its size for it. A package
    that is not a plain directory (a zipped install) is read through importlib.resources,
    whose ``as_file`` gives a real path, so relative includes still resolve.
    """
    spec = importlib.util.find_spec(package)  # a top-level name: located, not executed
    for location in (spec.submodule_search_locations or ()) if spec is not None else ():
        path = Path(location, resource)
        if path.is_file():
            return contextlib.nullcontext(path)
    return importlib.resources.as_file(importlib.resources.files(package).joinpath(resource))


def get_schema(name: str) -> etree.XMLSchema:
    """The compiled official XSD for ``name`` (e.g. ``"pain.001.001.03"``), cached per thread."""
    cache: dict[str, etree.XMLSchema] | None = getattr(_local, "schemas", None)
    if cache is None:
        cache = _local.schemas = {}
    schema = cache.get(name)
    if schema is None:
        try:
            package, resource, _ns = _SCHEMAS[name]
        except KeyError:
            raise ValueError(
                f"No schema is known for {name!r}; known: {', '.join(sorted(_SCHEMAS))}"
            ) from None
        with schema_file(package, resource) as path:
            doc = etree.parse(str(path), safe_parser())
        schema = cache[name] = etree.XMLSchema(doc)
    return schema


def parse_xml(data: bytes, *, expected_ns: str, kind: str, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted bank XML into its root ``Document`` element, or raise ``IsoFormatError``.

    Checks, in order: it is bytes and not empty or oversized; it has no DOCTYPE; it is
    well-formed; its root is ``Document`` in ``expected_ns`` (so a camt.053 sent where a
    camt.054 belongs, or another version of the message, is named as such).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"{kind} must be given as bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data.strip():
        raise IsoFormatError(f"The {kind} file is empty.")
    if len(data) > max_bytes:
        raise IsoFormatError(f"The {kind} file is {len(data):,} bytes, more than the {max_bytes:,} accepted.")
    # A literal "<!DOCTYPE" can only be a declaration, a comment or CDATA: refusing all three is
    # cheap and safe. The docinfo check after parsing catches encodings this byte scan misses.
    if _DOCTYPE.search(data):
        raise IsoFormatError(
            f"The {kind} file has a DOCTYPE declaration; bank files never do, so it is refused."
        )
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise IsoFormatError(
            f"The {kind} file is not well-formed XML: {exc.msg}", f"line {exc.lineno}"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise IsoFormatError(
            f"The {kind} file has a DOCTYPE declaration; bank files never do, so it is refused."
        )
    qname = etree.QName(root)
    if qname.localname != "Document" or qname.namespace != expected_ns:
        found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
        raise IsoFormatError(
            f"This is not a {kind} file: the root element is {found}, expected Document in {expected_ns}.",
            "/",
        )
    return root


def _readable(text: str) -> str:
    # lxml names elements with their full namespace; the local name is what people search for.
    return re.sub(r"\{urn:iso:std:iso:20022:tech:xsd:[a-z0-9.]+\}", "", text)


def assert_valid(root: etree._Element, name: str) -> None:
    """Validate against the official XSD ``name``; the first error becomes an ``IsoFormatError``."""
    schema = get_schema(name)
    if schema.validate(root):
        return
    error = schema.error_log[0] if schema.error_log else None
    if error is None:  # pragma: no cover - libxml2 always logs why it failed
        raise IsoFormatError(f"The file does not validate against the {name} schema.")
    where = _readable(error.path or "")
    raise IsoFormatError(
        f"The file does not validate against the {name} schema: {_readable(error.message)} (line {error.line})",
        where or None,
    )


def parse_iso_datetime(text: str, where: str) -> datetime:
    """An ISODateTime as the bank wrote it: aware if it has an offset or ``Z``, else naive local time."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise IsoFormatError(f"{text!r} is not a date and time this parser can read.", where) from None


def parse_iso_date(text: str, where: str) -> date:
    """An ISODate (``YYYY-MM-DD``); the XSD has checked its shape, this checks the calendar."""
    # xs:date allows a time-zone suffix ("2025-03-04+01:00", "2025-03-04Z"); a booking date is
    # the bank's calendar day as written, so the suffix is dropped, not applied.
    if len(text) > 10 and text[10] in "Z+-":
        text = text[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise IsoFormatError(f"{text!r} is not a valid date.", where) from None
