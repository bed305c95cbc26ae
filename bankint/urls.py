"""Every page of the portal, in one module (as Zulip keeps its product's routes in zproject/urls.py).

One section per app, each a list of routes mounted under the app's URL namespace, so
``{% url 'ledger:invoices' %}`` and ``reverse("accounts:add")`` keep naming the same pages.
The REST API is routed in ``bankint/api/urls.py``. This module and that one are the kernel's
wiring: they import every app's views, which pyproject.toml's layers contract allows them alone.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from agreements import views as agreement_views
from companies import views as company_views
from companies.forms import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm
from ledger import views as ledger_views
from notifications import views as notification_views
from ocr import views as ocr_views
from reconciliation import invoice_views as reconciliation_invoice_views
from reconciliation import views as reconciliation_views
from remittance import views as remittance_views

from . import views

admin.site.site_header = "bankint support"
admin.site.site_title = "bankint support"
admin.site.login_form = ThrottledAdminAuthenticationForm

# accounts: under Settings › Bank accounts (the list page itself is "settings_bank_accounts").
account_urls = [
    path("add/", account_views.bank_account_add, name="add"),
    path("<int:pk>/edit/", account_views.bank_account_edit, name="edit"),
    path("<int:pk>/deactivate/", account_views.bank_account_deactivate_view, name="deactivate"),
    path("authorisations/add/", account_views.authorisation_add, name="authorisation_add"),
    path("authorisations/<int:pk>/delete/", account_views.authorisation_remove, name="authorisation_delete"),
]

# ledger: customers, invoices, suppliers, bills, vouchers and the KID settings.
ledger_urls = [
    path("invoice-settings/", ledger_views.invoice_settings, name="invoice_settings"),
    path("customers/", ledger_views.customers, name="customers"),
    path("invoices/", ledger_views.invoices, name="invoices"),
    path("invoices/<int:pk>/", ledger_views.invoice_detail, name="invoice_detail"),
    path("suppliers/", ledger_views.suppliers, name="suppliers"),
    path("suppliers/<int:pk>/", ledger_views.supplier_edit, name="supplier_edit"),
    path("bills/", ledger_views.bills, name="bills"),
    path("vouchers/", ledger_views.vouchers, name="vouchers"),
    path("vouchers/<int:pk>/", ledger_views.voucher_detail, name="voucher_detail"),
    path("vouchers/<int:pk>/reverse/", ledger_views.voucher_reverse_view, name="voucher_reverse"),
]

# agreements: the connect wizard, service orders, online-bank and RgB agreements.
agreement_urls = [
    path("connect/", agreement_views.connect, name="connect"),
    path("orders/", agreement_views.order_list, name="orders"),
    path("orders/<int:pk>/", agreement_views.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", agreement_views.order_status, name="order_status"),
    # Where the bank's pages send the user back to: the portal asks the bank, then shows the page.
    path("orders/<int:pk>/return/", agreement_views.order_return, name="order_return"),
    path("online-bank/<int:pk>/return/", agreement_views.online_bank_return, name="online_bank_return"),
    path("rgb/<int:pk>/return/", agreement_views.rgb_return, name="rgb_return"),
    path("connect/setup/", agreement_views.connect_setup, name="connect_setup"),
    path("online-bank/", agreement_views.online_bank_start, name="online_bank_start"),
    path("rgb/", agreement_views.rgb_start, name="rgb_start"),
]

# ocr: Nets OCR files and the payments no invoice took.
ocr_urls = [
    path("", ocr_views.files, name="files"),
    path("unmatched/", ocr_views.unmatched, name="unmatched"),
    path("<int:pk>/", ocr_views.file_detail, name="file_detail"),
    path("<int:pk>/raw/", ocr_views.file_raw, name="file_raw"),
    path("transactions/<int:pk>/allocate/", ocr_views.allocate, name="allocate"),
]

# remittance: outgoing payments, batches, BankID approval and pain.001.
remittance_urls = [
    path("", remittance_views.payments, name="payments"),
    path("from-bill/", remittance_views.payment_from_bill, name="payment_from_bill"),
    path("bills/", remittance_views.bills_to_pay, name="bills"),
    path("build/", remittance_views.batches_build, name="batches_build"),
    path("rejected/", remittance_views.rejected, name="rejected"),
    path("settings/", remittance_views.payment_settings, name="settings"),
    path("<int:pk>/correct/", remittance_views.payment_correct_view, name="payment_correct"),
    path("<int:pk>/cancel/", remittance_views.payment_cancel_view, name="payment_cancel"),
    path("batches/", remittance_views.batches, name="batches"),
    path("batches/<int:pk>/", remittance_views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/approve/", remittance_views.batch_approve, name="batch_approve"),
    path(
        "batches/<int:pk>/approve/complete/",
        remittance_views.batch_approve_complete,
        name="batch_approve_complete",
    ),
    path("batches/<int:pk>/send/", remittance_views.batch_send, name="batch_send"),
    path("batches/<int:pk>/pain001/", remittance_views.batch_pain001, name="batch_pain001"),
]

# reconciliation: camt.053 statements and matching their entries.
reconciliation_urls = [
    path("", reconciliation_views.overview, name="overview"),
    path("upload/", reconciliation_views.upload, name="upload"),
    path("files/", reconciliation_views.files, name="files"),
    path("files/<int:pk>/", reconciliation_views.file_detail, name="file_detail"),
    path("matching/", reconciliation_views.matching, name="matching"),
    path("matching/match/", reconciliation_views.match_create, name="match"),
    path("matching/post/", reconciliation_views.post_and_match, name="post"),
    path("matches/<int:pk>/unmatch/", reconciliation_views.unmatch, name="unmatch"),
    path(
        "entries/<int:pk>/open-items/", reconciliation_invoice_views.entry_open_items, name="entry_open_items"
    ),
    path("entries/<int:pk>/settle/", reconciliation_invoice_views.entry_settle, name="entry_settle"),
]

# companies: switching the active company.
company_urls = [
    path("switch/", company_views.company_switch, name="switch"),
]

# notifications: the notification centre and the bell in the top bar.
notification_urls = [
    path("", notification_views.notification_list, name="list"),
    path("bell/", notification_views.notification_bell, name="bell"),
    path("read-all/", notification_views.notification_read_all, name="read_all"),
    path("<int:pk>/read/", notification_views.notification_read, name="read"),
]

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
    path("settings/bank-accounts/", include((account_urls, "accounts"))),
    path("ledger/", include((ledger_urls, "ledger"))),
    path("agreements/", include((agreement_urls, "agreements"))),
    path("ocr/", include((ocr_urls, "ocr"))),
    path("payments/", include((remittance_urls, "remittance"))),
    path("reconciliation/", include((reconciliation_urls, "reconciliation"))),
    path("companies/", include((company_urls, "companies"))),
    path("notifications/", include((notification_urls, "notifications"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("bankint.api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "bankint.views.handler400"
handler404 = "bankint.views.handler404"
handler500 = "bankint.views.handler500"
