"""The ISO 20022 schemas and the one safe way to read bank XML, shared by every reader and writer.

Why a module of its own: every file the portal writes (pain.001) must validate against the
official XSD before it leaves, and every file the bank sends (pain.002, camt.054, camt.053)
is validated before a single value is trusted. The schemas come from the installed packages
that ship them (``pain001`` and ``camt053``) through :mod:`importlib.resources`, never from a
path in the repository or the network, so a fresh clone and a production image validate
against exactly the same files.

Bank files are untrusted input: an XML file can try to read local
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
from pathlib import Path

from lxml import etree

from .errors import IsoFormatError, _

__all__ = [
    "MAX_XML_BYTES",
    "NS_CAMT053",
    "NS_CAMT054",
    "NS_PAIN001",
    "NS_PAIN001_V09",
    "NS_PAIN002",
    "NS_PAIN002_V10",
    "Tags",
    "assert_valid",
    "get_schema",
    "namespace_of",
    "parse_xml",
    "safe_parser",
    "schema_file",
]

NS_PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
NS_PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
NS_CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
NS_CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
NS_PAIN001_V09 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
NS_PAIN002_V10 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


class Tags:
    """The qualified tags of one namespace by their ISO names: ``Tags(NS_PAIN002).TxSts`` is
    ``"{urn:iso:std:iso:20022:tech:xsd:pain.002.001.03}TxSts"``, as lxml names the element.

    Each tag is made on first use and then kept as an attribute, so the readers' loops compare
    ``child.tag`` with a ready string. (camt.053, whose reader is the benchmarked one, keeps
    its tags per version in :mod:`iso20022.camt053.tags`, unpacked into locals per entry.)
    """

    def __init__(self, namespace: str) -> None:
        self._prefix = "{" + namespace + "}"

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):  # not an element: copy and pickle look for these
            raise AttributeError(name)
        tag = self._prefix + name
        setattr(self, name, tag)
        return tag


_ISO = "urn:iso:std:iso:20022:tech:xsd:"

# Message name → (package, resource path inside it, namespace). The paths are the ones the
# pinned packages ship; a package upgrade that moves them fails loudly in the tests.
_SCHEMAS: dict[str, tuple[str, str, str]] = {
    "pain.001.001.03": ("pain001", "templates/pain.001.001.03/pain.001.001.03.xsd", NS_PAIN001),
    "pain.002.001.03": ("pain001", "pain002/schemas/pain.002.001.03.xsd", NS_PAIN002),
    "camt.053.001.02": ("camt053", "xsd/camt.053.001.02.xsd", NS_CAMT053),
    "camt.054.001.02": ("camt053", "xsd/camt.054.001.02.xsd", NS_CAMT054),
    # The 2019 versions (and camt's .03/.04) the portal also reads, and pain.001.001.09 it writes.
    # pain.002.001.10 is not here: no installed package ships its schema (pain001 ships .03,
    # .12, .14, .15), so iso20022.pain002 checks that version's structure itself.
    **{
        f"camt.053.001.{v}": ("camt053", f"xsd/camt.053.001.{v}.xsd", f"{_ISO}camt.053.001.{v}")
        for v in ("03", "04", "08")
    },
    **{
        f"camt.054.001.{v}": ("camt053", f"xsd/camt.054.001.{v}.xsd", f"{_ISO}camt.054.001.{v}")
        for v in ("03", "04", "08")
    },
    "pain.001.001.09": ("pain001", "templates/pain.001.001.09/pain.001.001.09.xsd", NS_PAIN001_V09),
}


def namespace_of(name: str) -> str:
    """The namespace of the message ``name`` (``"camt.054.001.08"``)."""
    return _ISO + name


# A pain.002 with 10,000 statuses is about 5 MB and a busy day's camt.054 a few tens of MB.
# Anything far beyond that is not a bank file; refusing it early bounds memory.
MAX_XML_BYTES = 200 * 1024 * 1024

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


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


def parse_xml(
    data: bytes,
    *,
    expected_ns: str,
    kind: str,
    max_bytes: int = MAX_XML_BYTES,
    versions: tuple[str, ...] = (),
) -> etree._Element:
    """Parse untrusted bank XML into its root ``Document`` element, or raise ``IsoFormatError``.

    Checks, in order: it is bytes and not empty or oversized; it has no DOCTYPE; it is
    well-formed; its root is ``Document`` in ``expected_ns``, or in the namespace of one of
    ``versions`` (message names, for a reader that takes several: the root's namespace then
    says which one it is), so a camt.053 sent where a camt.054 belongs, or a version the
    portal does not read, is named as such.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"{kind} must be given as bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data.strip():
        raise IsoFormatError(_("The %(kind)s file is empty."), params={"kind": kind})
    if len(data) > max_bytes:
        raise IsoFormatError(
            _("The %(kind)s file is %(size)s bytes, more than the %(limit)s accepted."),
            params={"kind": kind, "size": f"{len(data):,}", "limit": f"{max_bytes:,}"},
        )
    # A literal "<!DOCTYPE" can only be a declaration, a comment or CDATA: refusing all three is
    # cheap and safe. The docinfo check after parsing catches encodings this byte scan misses.
    doctype = _("The %(kind)s file has a DOCTYPE declaration; bank files never do, so it is refused.")
    if _DOCTYPE.search(data):
        raise IsoFormatError(doctype, params={"kind": kind})
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        # libxml2's own words (English) go in as a value: they name the broken spot.
        raise IsoFormatError(
            _("The %(kind)s file is not well-formed XML (line %(line)s): %(detail)s"),
            f"line {exc.lineno}",
            {"kind": kind, "line": exc.lineno, "detail": exc.msg},
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise IsoFormatError(doctype, params={"kind": kind})
    qname = etree.QName(root)
    accepted = {expected_ns, *(_ISO + version for version in versions)}
    if qname.localname != "Document" or qname.namespace not in accepted:
        _refuse_other_message(qname, expected_ns, kind, versions)
    return root


_ISO_NS = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(([a-z]{4})\.\d{3})\.(\d{3}\.\d{2})")


def _refuse_other_message(
    qname: etree.QName, expected_ns: str, kind: str, versions: tuple[str, ...] = ()
) -> None:
    """Say what the file is, when it is another ISO 20022 message or another version of ours."""
    found = _ISO_NS.fullmatch(qname.namespace or "")
    if qname.localname == "Document" and found:
        name = f"{found.group(1)}.{found.group(3)}"
        if versions and kind.startswith(found.group(1) + "."):
            raise IsoFormatError(
                _(
                    "This is a %(found)s file; the portal reads this message only in the versions "
                    "%(versions)s. Ask the bank to send one of them."
                ),
                "/",
                {"found": name, "versions": ", ".join(versions)},
            )
        if kind.startswith(found.group(1) + "."):
            raise IsoFormatError(
                _(
                    "This is a %(found)s file, not a %(kind)s file: the portal reads this message only "
                    "in version %(kind)s. Ask the bank to send %(kind)s."
                ),
                "/",
                {"found": name, "kind": kind},
            )
        raise IsoFormatError(
            _("This is a %(found)s file, not a %(kind)s file."), "/", {"found": name, "kind": kind}
        )
    element = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
    raise IsoFormatError(
        _("This is not a %(kind)s file: its root element is %(element)s, not Document in %(namespace)s."),
        "/",
        {"kind": kind, "element": element, "namespace": expected_ns},
    )


def _readable(text: str) -> str:
    # lxml names elements with their full namespace; the local name is what people search for.
    return re.sub(r"\{urn:iso:std:iso:20022:tech:xsd:[a-z0-9.]+\}", "", text)


def _element_path(root: etree._Element, xpath: str | None) -> str | None:
    """``/*/*/*[3]/*[7]/*[1]`` (libxml2's path) as ``/Document/…/TxInfAndSts/OrgnlInstrdId``."""
    if not xpath:
        return None
    try:
        found = root.getroottree().xpath(xpath)
    except etree.XPathError:
        return None
    if not found or not isinstance(found[0], etree._Element):
        return None
    steps = []
    for el in [found[0], *found[0].iterancestors()]:
        name = etree.QName(el).localname
        parent = el.getparent()
        if parent is not None:
            twins = [sib for sib in parent if sib.tag == el.tag]
            if len(twins) > 1:
                name += f"[{twins.index(el) + 1}]"
        steps.append(name)
    return "/" + "/".join(reversed(steps))


# libxml2's wording of the common schema errors. When a libxml2 release words them otherwise,
# the refusal still names the element and the line and quotes libxml2 (the last template).
_SCHEMA_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"This element is not expected\.(?: Expected is (?:one of )?\( (?P<expected>.+) \)\.)?"),
        _(
            "The file does not match the %(schema)s schema: the element %(element)s (line %(line)s) is not "
            "allowed there. Expected: %(expected)s."
        ),
    ),
    (
        re.compile(r"Missing child element\(s\)\. Expected is (?:one of )?\( (?P<expected>.+) \)\."),
        _(
            "The file does not match the %(schema)s schema: %(element)s (line %(line)s) lacks a required "
            "element: %(expected)s."
        ),
    ),
    (
        re.compile(r"\[facet '(?P<facet>\w+)'\] The value '(?P<value>.*?)'"),
        _(
            "The file does not match the %(schema)s schema: the value '%(value)s' of %(element)s "
            "(line %(line)s) is not allowed (%(facet)s)."
        ),
    ),
    (
        re.compile(r"'(?P<value>.*?)' is not a valid value of the (?:local )?atomic type '(?P<type>[^']+)'"),
        _(
            "The file does not match the %(schema)s schema: the value '%(value)s' of %(element)s "
            "(line %(line)s) is not a valid %(type)s."
        ),
    ),
)
_SCHEMA_OTHER = _("The file does not match the %(schema)s schema at %(element)s (line %(line)s): %(detail)s")


def assert_valid(root: etree._Element, name: str) -> None:
    """Validate against the official XSD ``name``; the first error becomes an ``IsoFormatError``
    that names the element (by its path of local names) and the rule it broke."""
    schema = get_schema(name)
    if schema.validate(root):
        return
    error = schema.error_log[0] if schema.error_log else None
    if error is None:  # pragma: no cover - libxml2 always logs why it failed
        raise IsoFormatError(_("The file does not match the %(schema)s schema."), params={"schema": name})
    where = _element_path(root, error.path) or _readable(error.path or "") or None
    detail = _readable(error.message)
    params = {
        "schema": name,
        "line": error.line,
        "element": where or "?",
        "detail": re.sub(r"^Element '[^']*': ", "", detail),
    }
    for pattern, template in _SCHEMA_RULES:
        match = pattern.search(detail)
        if match:
            groups = {k: v for k, v in match.groupdict().items() if v is not None}
            groups.setdefault("expected", "-")
            raise IsoFormatError(template, where, {**params, **groups})
    raise IsoFormatError(_SCHEMA_OTHER, where, params)
