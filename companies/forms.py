from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from bankint.middleware import client_ip

from .throttle import login_blocked, login_failed, login_succeeded


class _LoginThrottle:
    """The lockout per username and address (companies.throttle), for any login form."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        if login_blocked(username, ip):
            raise forms.ValidationError(_THROTTLED, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failed(username, ip)
            raise
        login_succeeded(username, ip)
        return cleaned


_THROTTLED = _("Too many failed login attempts. Wait a few minutes and try again.")


class ThrottledAuthenticationForm(_LoginThrottle, AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "throttled": _THROTTLED}


class ThrottledAdminAuthenticationForm(_LoginThrottle, AdminAuthenticationForm):
    """The admin's login shares the portal's lockout: the same guesses count on both doors."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": _THROTTLED}


class CompanySwitchForm(forms.Form):
    company_id = forms.IntegerField()
    next = forms.CharField(required=False)


class ApiTokenCreateForm(forms.Form):
    """A named API token, after the user types their password again.

    A browser session (left open, or taken over) must not be enough to mint a key that works
    for a month and survives logging out. Wrong passwords count towards the login lockout.
    """

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the integration that will use it."),
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        username = self.request.user.get_username()
        ip = client_ip(self.request)
        if login_blocked(username, ip):
            raise forms.ValidationError(_THROTTLED, code="throttled")
        # Through the backend, as a login: a re-hash of the password keeps the other tokens.
        if authenticate(self.request, username=username, password=password) is None:
            login_failed(username, ip)
            raise forms.ValidationError(_("The password is wrong."), code="invalid_password")
        login_succeeded(username, ip)
        return password
