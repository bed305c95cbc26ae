from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
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
