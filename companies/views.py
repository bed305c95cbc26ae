from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from bankint.errors import ValidationFailed

from .forms import ApiTokenCreateForm, CompanySwitchForm
from .middleware import SESSION_KEY
from .models import ApiToken
from .selectors import api_token_get_for_user, api_token_list_for_user, company_get_for_user
from .tokens import RevokeReason, api_token_create, api_token_revoke, api_tokens_revoke_all


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


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request):
    """The user's own API tokens: list, make one (its key shown on this answer only), revoke."""
    form = ApiTokenCreateForm(request.POST if request.method == "POST" else None, request=request)
    created = key = None
    if request.method == "POST" and form.is_valid():
        try:
            created, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationFailed as exc:
            form.add_error("name", exc.message)
        else:
            form = ApiTokenCreateForm(request=request)
    page = Paginator(api_token_list_for_user(request.user), 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "created": created,
        "key": key,
        "active": ApiToken.Status.ACTIVE,
        "any_active": any(token.status == ApiToken.Status.ACTIVE for token in page.object_list),
    }
    response = render(request, "companies/api_tokens.html", context, status=400 if form.errors else 200)
    add_never_cache_headers(response)  # the new key must not stay in a cache
    return response


@require_POST
@login_required
def api_token_revoke_view(request, pk: int):
    token = api_token_get_for_user(request.user, pk)  # another user's token: 404
    if api_token_revoke(token, actor=request.user, reason=RevokeReason.USER):
        messages.success(request, _("The API token %(token)s was revoked.") % {"token": token})
    return redirect("api_tokens")


@require_POST
@login_required
def api_tokens_revoke_all_view(request):
    count = api_tokens_revoke_all(request.user, actor=request.user)
    messages.success(
        request,
        ngettext("%(count)d API token was revoked.", "%(count)d API tokens were revoked.", count)
        % {"count": count},
    )
    return redirect("api_tokens")
