"""The one error of the camt.053 reader, and the messages it gives for a file it refuses."""

from __future__ import annotations

import re

__all__ = ["CamtParseError"]


def _(text: str) -> str:
    """Marks a message for translation (makemessages finds it); this module imports no Django,
    so the service that shows the message translates it (``bankint.errors.reason_of``)."""
    return text


# The versions the reader takes, as the refusal of another one lists them (tags.VERSIONS).
SUPPORTED = "camt.053.001.02, .03, .04, .08"

# Messages someone may hand us instead of a camt.053 we read, so the error can say what it is:
# by the message name in the namespace, whatever its version.
_OTHER_MESSAGE_RE = re.compile(
    r"urn:iso:std:iso:20022:tech:xsd:((camt\.05[234]|pain\.00[12])\.[0-9]{3}\.[0-9]{2})"
)

_OTHER_MESSAGES = {
    "camt.053": _(
        "This is a %(version)s bank statement; only bank statements in %(supported)s can be imported. "
        "Ask the bank to deliver statements in one of these versions."
    ),
    "camt.052": _("This is a %(version)s intraday account report, not a camt.053.001.02 bank statement."),
    "camt.054": _("This is a %(version)s debit/credit notification, not a camt.053.001.02 bank statement."),
    "pain.001": _("This is a %(version)s payment order, not a camt.053.001.02 bank statement."),
    "pain.002": _("This is a %(version)s payment status report, not a camt.053.001.02 bank statement."),
}


class CamtParseError(Exception):
    """The file is not a camt.053 statement we can trust; nothing of it may be imported.

    ``template`` is the English message with ``%(name)s`` placeholders (marked with ``_``)
    and ``params`` its values, kept apart so that the service shows it in the user's language
    (``bankint.errors.reason_of``); ``message`` and ``str()`` are the English text, the latter
    with the place (:meth:`location`). ``element`` and ``line`` say where, when known.
    """

    def __init__(
        self,
        template: str,
        params: dict | None = None,
        element: str | None = None,
        line: int | None = None,
    ):
        self.template = template
        self.params = dict(params) if params else {}
        self.element = element
        self.line = line or None
        self.undiagnosed = False  # told from a stream's report alone (see _syntax_error)
        super().__init__(template, self.params, element, self.line)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template

    def location(self) -> tuple[str, dict] | None:
        """Where in the file, as a template and its params (``None`` when unknown)."""
        if self.element and self.line:
            return _("element %(element)s, line %(line)s"), {"element": self.element, "line": self.line}
        if self.element:
            return _("element %(element)s"), {"element": self.element}
        if self.line:
            return _("line %(line)s"), {"line": self.line}
        return None

    def __str__(self) -> str:
        where = self.location()
        return f"{self.message} ({where[0] % where[1]})" if where else self.message


def _missing(what: str, parent: str, line: int | None) -> CamtParseError:
    return CamtParseError(
        _("Missing mandatory element %(element)s in %(parent)s."),
        {"element": what, "parent": parent},
        what,
        line,
    )


def _wrong_message(namespace: str | None, localname: str, line: int | None) -> CamtParseError:
    known = _OTHER_MESSAGE_RE.fullmatch(namespace or "")
    if known:
        template, params = _OTHER_MESSAGES[known.group(2)], {"version": known.group(1)}
        if known.group(2) == "camt.053":
            params["supported"] = SUPPORTED
    elif namespace:
        template = _("This is a document in namespace %(namespace)s, not a camt.053.001.02 bank statement.")
        params = {"namespace": namespace}
    else:
        template = _(
            "This is an XML document with root element <%(root)s> and no namespace, "
            "not a camt.053.001.02 bank statement."
        )
        params = {"root": localname}
    return CamtParseError(template, params, localname, line)


def _not_xml(detail: str, line: int | None) -> CamtParseError:
    # lxml adds the place to the message it raises: it is given apart, as the line.
    detail = re.sub(r",? line [0-9]+, column [0-9]+$", "", (detail or "").strip())
    return CamtParseError(_("The file is not well-formed XML: %(detail)s"), {"detail": detail}, None, line)


def _truncated(root) -> CamtParseError:
    return CamtParseError(
        _("The file is not well-formed XML: it ends before its Document element does (truncated)."),
        element="Document",
        line=getattr(root, "sourceline", None),
    )
