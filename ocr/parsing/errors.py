"""Refusals: :class:`OcrParseError` and the helpers that build one.

A refusal's English template and its values are kept apart, so the OCR service shows it in
the user's language; ``_()`` only marks the templates for ``makemessages`` (this package
imports no Django).
"""

from __future__ import annotations

from decimal import Decimal


def _(text: str) -> str:
    """Mark a message for translation (``makemessages`` extracts it). This module imports no
    Django: the service that shows a refusal translates it (``bankint.errors.reason_of``)."""
    return text


class OcrParseError(Exception):
    """The file is not a valid Nets OCR giro transmission; the whole file must be rejected.

    ``template`` is the English message with ``%(name)s`` placeholders (a msgid the OCR app's
    catalogue translates) and ``params`` its values, kept apart so the service can show the
    refusal in the user's language. Every message says where: it starts with the line
    (``params["line"]``) when there is one. ``line_no`` (1-based) and ``field`` (a stable
    snake_case name such as ``"amount"``) are there for programs. ``message`` and ``str()``
    are the English text. A parameter may itself be an ``OcrParseError`` (a refusal with a
    note added): a renderer translates it first (``ocr.services``). The arguments are kept
    in ``args`` so the error survives pickling (Celery).
    """

    def __init__(
        self,
        template: str,
        params: dict | None = None,
        line_no: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(template, params, line_no, field)
        self.template = template
        self.params = dict(params or {})
        self.line_no = line_no
        self.field = field

    @property
    def message(self) -> str:
        """The refusal in English."""
        params = {k: str(v) if isinstance(v, OcrParseError) else v for k, v in self.params.items()}
        return self.template % params if params else self.template

    def __str__(self) -> str:
        return self.message


def error(template: str, line_no: int | None, field: str | None, **params) -> OcrParseError:
    """A refusal at ``line_no``: its template starts with ``Line %(line)d: ``."""
    if line_no is not None:
        params["line"] = line_no
    return OcrParseError(template, params, line_no, field)


def show(value: str) -> str:
    """Quote a fragment of the file for a message, escaping anything unprintable."""
    return repr(value[:40] + ("…" if len(value) > 40 else ""))


def kroner(ore: int) -> str:
    """An amount in øre as a message shows it: ``NOK 1 234.50``."""
    return f"NOK {Decimal(ore).scaleb(-2):,.2f}".replace(",", " ")
