"""What is wrong with a file libxml2 refused: not XML, or XML that breaks the schema where."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

from lxml import etree

from ..xsd import get_schema
from .errors import CamtParseError, _, _not_xml, _wrong_message
from .tags import SCHEMA, schema_of

# What broke the schema, by libxml2's error type (numbers, stable across versions; never by
# the wording of its message), worded for a person; the message itself follows as the detail.
_SCHEMA_RULES: dict[int, str] = {}
for _names, _template in (
    (
        ("SCHEMAV_ELEMENT_CONTENT",),
        _(
            "The file does not match the %(schema)s schema: element %(element)s is not allowed where "
            "it is, or an element the schema requires is missing there (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_MINLENGTH_VALID",),
        _(
            "The file does not match the %(schema)s schema: element %(element)s is shorter than the "
            "schema allows, or empty (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_MAXLENGTH_VALID", "SCHEMAV_CVC_LENGTH_VALID"),
        _(
            "The file does not match the %(schema)s schema: element %(element)s is longer or shorter "
            "than the schema allows (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_PATTERN_VALID",),
        _(
            "The file does not match the %(schema)s schema: the value of element %(element)s does not "
            "have the form the schema requires (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_ENUMERATION_VALID",),
        _(
            "The file does not match the %(schema)s schema: the value of element %(element)s is not "
            "one of the codes the schema allows (%(detail)s)."
        ),
    ),
    (
        (
            "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
            "SCHEMAV_CVC_DATATYPE_VALID_1_2_2",
            "SCHEMAV_CVC_DATATYPE_VALID_1_2_3",
            "SCHEMAV_CVC_TYPE_3_1_1",
            "SCHEMAV_CVC_TYPE_3_1_2",
        ),
        _(
            "The file does not match the %(schema)s schema: the value of element %(element)s is not "
            "of the type the schema requires (%(detail)s)."
        ),
    ),
    (
        (
            "SCHEMAV_CVC_TOTALDIGITS_VALID",
            "SCHEMAV_CVC_FRACTIONDIGITS_VALID",
            "SCHEMAV_CVC_MININCLUSIVE_VALID",
            "SCHEMAV_CVC_MAXINCLUSIVE_VALID",
            "SCHEMAV_CVC_MINEXCLUSIVE_VALID",
            "SCHEMAV_CVC_MAXEXCLUSIVE_VALID",
        ),
        _(
            "The file does not match the %(schema)s schema: the value of element %(element)s has more "
            "digits than the schema allows or is out of its range (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_COMPLEX_TYPE_4", "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1", "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2"),
        _(
            "The file does not match the %(schema)s schema: element %(element)s lacks an attribute the "
            "schema requires, or has one it does not allow (%(detail)s)."
        ),
    ),
):
    for _name in _names:
        if hasattr(etree.ErrorTypes, _name):
            _SCHEMA_RULES[getattr(etree.ErrorTypes, _name)] = _template
_SCHEMA_OTHER = _(
    "The file does not match the %(schema)s schema: element %(element)s breaks a rule of the schema "
    "(%(detail)s)."
)
_SCHEMA_UNPLACED = _("The file does not match the %(schema)s schema: %(detail)s.")
LOCATE_BYTES = 8 * 2**20  # a file up to this size is read again, whole, to place a schema error


def _schema_error(
    kind: int, message: str, element: str | None, line: int | None, schema: str = SCHEMA
) -> CamtParseError:
    """The error for libxml2's schema error of type ``kind`` against ``schema`` (its name);
    ``message`` becomes its detail."""
    # libxml2 names the element in its message: it is the detail, shorn of namespaces; the
    # element itself comes from the validated tree when the file can be read again.
    detail = re.sub(r"\{[^}]*\}", "", message or "").strip().rstrip(".")
    shown = re.sub(r"^Element '[^']*': (?:\[[^]]*\] )?", "", detail) or detail
    if element is None:
        found = re.match(r"Element '([^']+)'", detail)
        element = found.group(1) if found else None
    if element is None:
        return CamtParseError(_SCHEMA_UNPLACED, {"schema": schema, "detail": shown}, None, line)
    template = _SCHEMA_RULES.get(kind, _SCHEMA_OTHER)
    return CamtParseError(template, {"schema": schema, "element": element, "detail": shown}, element, line)


def _diagnosed(data: bytes | None, validate: bool) -> CamtParseError | None:
    """What is wrong with a file a validating stream refused, found by reading it again whole:
    parsed without the schema (is it XML at all?), then its tree validated (where does it
    break the schema?). The stream's own report cannot be trusted for either: lxml 6.2 drops
    the parser's error when a schema validates during the parse ("no element found", no
    line), and a streaming validation knows neither the line nor the element of a schema
    error (libxml2 gives them for a tree only). Only for files up to :data:`LOCATE_BYTES`;
    ``None`` when the file cannot be read again or shows no error now."""
    if data is None:
        return None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return _not_xml(exc.msg or str(exc), exc.position[0] if exc.position else exc.lineno)
    except (etree.LxmlError, ValueError):
        return None
    if not validate:
        return None
    tree = root.getroottree()
    name = schema_of(etree.QName(root).namespace)
    schema = get_schema(name)
    if schema.validate(tree):
        return None
    for entry in schema.error_log:
        if entry.type == etree.ErrorTypes.SCHEMAV_CVC_ELT_1:  # no such root in the schema
            name = etree.QName(root)
            return _wrong_message(name.namespace, name.localname, root.sourceline)
        element = None
        with contextlib.suppress(etree.LxmlError, IndexError, TypeError):
            element = etree.QName(tree.xpath(entry.path)[0]).localname if entry.path else None
        return _schema_error(entry.type, entry.message, element, entry.line or None, name)
    return None


def _syntax_error(
    exc: etree.XMLSyntaxError, error_log, root, reread: Callable[[], bytes | None], validate: bool
) -> CamtParseError:
    """What libxml2 refused: a file that is not XML, or one that is XML but breaks the schema,
    naming the element and the rule. Told apart by reading the file again (:func:`_diagnosed`)
    or, when it cannot be, by the domain of the stream's errors (never by their wording)."""
    found = _diagnosed(reread(), validate)
    if found is not None:
        return found
    log = [e for e in error_log if e.level >= etree.ErrorLevels.ERROR]
    schema = [e for e in log if e.domain == etree.ErrorDomains.SCHEMASV]
    other = [e for e in log if e.domain != etree.ErrorDomains.SCHEMASV]
    if other or not schema:
        if other:
            error = _not_xml(other[0].message, other[0].line)
        else:
            error = _not_xml(exc.msg or str(exc), exc.position[0] if exc.position else exc.lineno)
    elif schema[0].type == etree.ErrorTypes.SCHEMAV_CVC_ELT_1 and root is not None:
        # The schema has no such root element: say which message this is instead.
        name = etree.QName(root)
        return _wrong_message(name.namespace, name.localname, root.sourceline)
    else:
        name = schema_of(etree.QName(root).namespace) if root is not None else SCHEMA
        error = _schema_error(schema[0].type, schema[0].message, None, None, name)
    error.undiagnosed = True  # a reader that can read the file again says more (ParseProcess)
    return error
