"""What every page of the bank shares: the one template, the wizard's steps, the login form."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render


def wizard_steps(names: list[str], active: int) -> list[dict]:
    return [
        {"name": n, "state": "active" if i == active else ("done" if i < active else "")}
        for i, n in enumerate(names)
    ]


def render_page(request, title: str, status: int = 200, **context):
    return render(request, "banksim/page.html", {"title": title, **context}, status=status)


def get_or_404(model, **lookup):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


class LoginForm(forms.Form):
    user_id = forms.CharField(
        label="Bruker-ID",
        max_length=20,
        help_text="F.eks. TB12345",
        error_messages={"required": "Oppgi bruker-ID."},
    )
