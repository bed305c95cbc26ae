from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import CompanySwitchForm
from .middleware import SESSION_KEY
from .permissions import company_view
from .selectors import company_get_for_user


@require_POST
@login_required
def company_switch(request):
    form = CompanySwitchForm(request.POST)
    if not form.is_valid():
        return redirect("home")
    company = company_get_for_user(request.user, form.cleaned_data["company_id"])  # 404 for non-members
    request.session[SESSION_KEY] = company.pk
    messages.info(request, _("You are now working in %(company)s.") % {"company": company.name})
    target = form.cleaned_data.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)


@company_view()
def home(request):
    from notifications.selectors import notification_list_for_user

    recent = notification_list_for_user(request.user, request.company)[:5]
    return render(request, "companies/home.html", {"recent_notifications": recent})
