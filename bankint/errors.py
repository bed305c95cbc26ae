"""Domain errors: services raise these; the UI, the API, the admin and workers show them alike.

Each carries a machine ``code`` (stable, for integrations), a human ``message`` (translated
where it is raised) and optional per-field messages.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}


class ValidationFailed(DomainError):
    code = "validation_error"


class NotPermitted(DomainError):
    code = "permission_denied"
    status_code = 403


class Conflict(DomainError):
    """The thing already exists or is in a state that forbids the action (duplicate, wrong state)."""

    code = "conflict"
    status_code = 409


class IllegalTransition(Conflict):
    code = "illegal_transition"


class BankFileRejected(DomainError):
    """A bank file (OCR, camt, pain) that cannot be imported as a whole."""

    code = "invalid_bank_file"


def localized(template: str, params=None) -> str:
    """``template`` in the active language, with ``params`` filled in.

    Format modules (``ocr.parsing``, ``iso20022.camt053``, ``iso20022.pain002`` …)
    import no Django, so they cannot translate: their errors carry the English template they
    marked with a no-op ``_()`` (which makemessages extracts) and the values apart. The
    service that stores or shows the reason translates it here, so the same refusal reads in
    Norwegian or English as the user chose.
    """
    from django.utils.translation import gettext

    text = gettext(template)
    return text % params if params else text


def reason_of(exc: BaseException) -> str:
    """A format module's error in the active language (see :func:`localized`)."""
    template = getattr(exc, "template", None)
    if template is None:
        return str(exc)
    return localized(template, getattr(exc, "params", None))
