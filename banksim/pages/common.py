"""What every page of the bank shares: the one template, the wizard's steps and the guard on
them, a page with one form, the login."""

from __future__ import annotations

import functools

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render

from banksim import services
from banksim.services import BankError


def wizard_steps(names: list[str], active: int) -> list[dict]:
    return [
        {"name": n, "state": "active" if i == active else ("done" if i < active else "")}
        for i, n in enumerate(names)
    ]


def render_page(request, title: str, status: int = 200, **context):
    """The bank's one page template. ``back_url`` (the partner's return URL, checked when the
    partner made the order) ends the page with the way back to the accounting system."""
    return render(request, "banksim/page.html", {"title": title, **context}, status=status)


def get_or_404(model, **lookup):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def get_current_or_404(model, **lookup):
    """The row a page shows as it is now: after what has fallen due on the bank's clock (an
    order carried out, an application ready for signing, payments booked)."""
    services.process_due()
    return get_or_404(model, **lookup)


def new_page(create, first_step: str):
    """The page that starts an empty order or application on the bank's own pages (no partner
    behind it) and sends the user to its first step."""

    def view(request):
        row, _ = create({})
        return redirect(first_step, token=row.token)

    return view


def wizard_step(model, status: str, otherwise: str):
    """A step of a wizard on a ``model`` row, found by the token in its URL and handed to the
    view: open only while the row has ``status``, after that the ``otherwise`` page (its
    receipt) answers instead."""

    def decorate(view):
        @functools.wraps(view)
        def step(request, token):
            row = get_or_404(model, token=token)
            if row.status != status:
                return redirect(otherwise, token=token)
            return view(request, row)

        return step

    return decorate


def form_page(request, form, submit, title: str, **context):
    """A page with one form. A valid POST goes to ``submit(cleaned_data)``, whose answer (on to
    the next step) is the page's; when the bank refuses it (``BankError``) the page shows why,
    with the form, and answers 400, as it does for a form filled in wrong."""
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            return submit(form.cleaned_data)
        except BankError as exc:
            errors.append(exc.detail)
    status = 400 if errors or form.errors else 200
    return render_page(request, title, status=status, form=form, errors=errors, **context)


def login_page(request, log_in, title: str, **context):
    """The bank's login with a bruker-ID: ``log_in(user_id)`` checks it and answers with the
    page after the login."""
    return form_page(
        request,
        LoginForm(request.POST or None),
        lambda data: log_in(data["user_id"]),
        title,
        buttons=[{"value": "login", "text": "Logg inn"}],
        **context,
    )


class LoginForm(forms.Form):
    user_id = forms.CharField(
        label="Bruker-ID",
        max_length=20,
        help_text="F.eks. TB12345",
        error_messages={"required": "Oppgi bruker-ID."},
    )
