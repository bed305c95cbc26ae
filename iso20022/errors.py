"""The error every ISO 20022 reader and writer here raises for a file (or data) it refuses."""

from __future__ import annotations

__all__ = ["IsoFormatError"]


def _(text: str) -> str:
    """Marks a message for translation (makemessages finds it); the service translates it."""
    return text


class IsoFormatError(ValueError):
    """A file (or the data for one) breaks ISO 20022, the XSD, or a rule the XSD cannot check.

    ``template`` is the English message with ``%(name)s`` placeholders, marked with ``_()`` so
    it is in the translation catalogue, and ``params`` the values apart: this module imports
    no Django, so the service that shows the refusal translates it
    (``bankint.errors.reason_of``). ``message`` is the English text, ``path`` says where: an
    XPath-like location in the document (``/Document/.../InstdAmt``) or, for input data, the
    field (``batches[0].payments[3].amount``). The arguments are kept in ``args`` so the
    error survives pickling (Celery).
    """

    def __init__(self, template: str, path: str | None = None, params: dict | None = None) -> None:
        super().__init__(template, path, params)
        self.template = template
        self.params = dict(params) if params else {}
        self.message = template % self.params if self.params else template
        self.path = path

    def __str__(self) -> str:
        if self.path and self.path not in self.message:
            return f"{self.message} (at {self.path})"
        return self.message
