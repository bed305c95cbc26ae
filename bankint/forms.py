"""Form helpers every app's browser views use."""

from __future__ import annotations

from django import forms

from bankint.errors import DomainError


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for name, messages in exc.fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


def checked(form: forms.Form, name: str, check, *args):
    """``check(*args)`` (a rule of :mod:`iso20022.pain001.abroad`), or None with its refusal,
    in the reader's language, on the field ``name``."""
    from bankint.errors import reason_of
    from iso20022.errors import IsoFormatError

    try:
        return check(*args)
    except IsoFormatError as exc:
        form.add_error(name, reason_of(exc))
        return None
