from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from companies import views as company_views
from companies.forms import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm
from notifications import views as notification_views

from . import views

admin.site.site_header = "bankint support"
admin.site.site_title = "bankint support"
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", notification_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/tokens/", company_views.api_tokens, name="api_tokens"),
    path(
        "accounts/tokens/revoke-all/", company_views.api_tokens_revoke_all_view, name="api_tokens_revoke_all"
    ),
    path("accounts/tokens/<int:pk>/revoke/", company_views.api_token_revoke_view, name="api_token_revoke"),
    path("settings/bank-accounts/", account_views.bank_accounts, name="settings_bank_accounts"),
    path("settings/bank-accounts/", include("accounts.urls")),
    path("ledger/", include("ledger.urls")),
    path("agreements/", include("agreements.urls")),
    path("ocr/", include("ocr.urls")),
    path("payments/", include("remittance.urls")),
    path("reconciliation/", include("reconciliation.urls")),
    path("companies/", include("companies.urls")),
    path("notifications/", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("bankint.api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "bankint.views.handler400"
handler404 = "bankint.views.handler404"
handler500 = "bankint.views.handler500"
