from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from bankint.middleware import client_ip

from .throttle import login_blocked, login_failed, login_succeeded


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed login attempts. Wait a few minutes and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        if login_blocked(username, ip):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failed(username, ip)
            raise
        login_succeeded(username, ip)
        return cleaned


class CompanySwitchForm(forms.Form):
    company_id = forms.IntegerField()
    next = forms.CharField(required=False)
