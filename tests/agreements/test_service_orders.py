"""Koble til tjeneste: validation before the bank, idempotent ordering, results from the feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import BankAccount, BankApprovalRight
from accounts.services import bank_account_create
from agreements import feed
from agreements.models import ServiceOrder, ServiceOrderAccount
from agreements.selectors import service_order_outage_warning
from agreements.services.orders import service_order_create, service_order_submit, service_orders_submit_stale
from bankint.errors import ValidationFailed
from companies.models import AuditEvent
from companies.roles import Role
from ledger.services import invoice_settings_update
from notifications.models import Notification

from .conftest import confirm_and_process, poll

pytestmark = pytest.mark.django_db

BASIC = ["remittance", "incoming_reconciliation"]


def _ids(*accounts):
    return [a.pk for a in accounts]


def test_no_dnb_account_stops_at_bank_account_setup(company_a, admin_a):
    bank_account_create(company_a, account_number="86011117947", name="Annen bank", ledger_account="1920")
    with pytest.raises(ValidationFailed) as exc:
        service_order_create(company_a, user=admin_a, account_ids=[1], services=BASIC)
    assert exc.value.code == "no_dnb_account" and "Oppsett av bankkonto" in exc.value.message
    assert ServiceOrder.objects.count() == 0


def test_ocr_needs_kid_invoicing(company_a, admin_a, demo_accounts):
    drift, _skatt = demo_accounts
    with pytest.raises(ValidationFailed) as exc:
        service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=["nets_ocr"])
    assert exc.value.code == "kid_required" and "/ledger/" in exc.value.message
    assert "invoice settings" in exc.value.message


def test_kid_needs_nets_ocr_on_the_account_and_names_it(company_a, admin_a, demo_accounts):
    drift, skatt = demo_accounts
    invoice_settings_update(company_a, kid_enabled=True)
    with pytest.raises(ValidationFailed) as exc:
        service_order_create(company_a, user=admin_a, account_ids=_ids(drift, skatt), services=["nets_ocr"])
    assert exc.value.code == "nets_ocr_required"
    assert "1503.20.80127" in exc.value.message and f"/{skatt.pk}/edit/" in exc.value.message
    assert "1503.20.80119" not in exc.value.message


def test_fee_account_must_be_in_the_chart(company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    with pytest.raises(ValidationFailed) as exc:
        service_order_create(
            company_a, user=admin_a, account_ids=_ids(drift), services=BASIC, fee_account="7771"
        )
    assert "7771" in exc.value.fields["fee_account"][0]


def test_accountant_may_request_kontofullmakt_for_at_most_six_accounts(company_a, make_user):
    from bankint.account_numbers import clean_account_number  # noqa: F401  (numbers below are valid)

    numbers = []
    n = 15032080100
    while len(numbers) < 7:
        n += 1
        s = str(n)
        weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        check = 11 - sum(int(d) * w for d, w in zip(s[:10], weights, strict=True)) % 11
        if check == 10:
            continue
        if int(s[10]) == (0 if check == 11 else check):
            numbers.append(s)
    accounts = [
        bank_account_create(company_a, account_number=num, name=f"Konto {i}", ledger_account=f"19{60 + i}")
        for i, num in enumerate(numbers)
    ]
    accountant = make_user("regnskap", company=company_a, roles=[Role.ACCOUNTANT])
    with pytest.raises(ValidationFailed) as exc:
        service_order_create(company_a, user=accountant, account_ids=_ids(*accounts), services=BASIC)
    assert exc.value.code == "too_many_accounts"
    assert "at most 6" in exc.value.message and "you chose 7" in exc.value.message
    assert ServiceOrder.objects.count() == 0


def test_double_click_creates_one_order(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    first = service_order_create(
        company_a, user=admin_a, account_ids=_ids(drift), services=BASIC, idempotency_key="k1"
    )
    second = service_order_create(
        company_a, user=admin_a, account_ids=_ids(drift), services=BASIC, idempotency_key="k1"
    )
    assert first.pk == second.pk and ServiceOrder.objects.count() == 1
    assert first.status == ServiceOrder.Status.AWAITING_CONFIRMATION and first.bank_order_id
    assert "/bestilling/" in first.wizard_url
    assert sim.sim_state()["service_orders"] == {"AWAITING_CONFIRMATION": 1}
    assert AuditEvent.objects.filter(action="service_order.create", object_id=str(first.pk)).count() == 1


def test_completed_order_fills_in_the_accounts_and_notifies(bank, sim, company_a, admin_a, demo_accounts):
    drift, skatt = demo_accounts
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift, skatt), services=BASIC)
    confirm_and_process(sim, order)
    report = poll(bank)
    assert report.by_type["service_order.updated"] >= 3
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED and order.subscription_upgraded
    for account in BankAccount.objects.filter(pk__in=_ids(drift, skatt)):
        assert account.agreement_id and account.division_name and account.division_number
        assert account.services == ["INCOMING_RECONCILIATION", "REMITTANCE"]
    note = Notification.objects.get(company=company_a, title__contains="The agreement is registered")
    assert (
        "1503.20.80119" in note.body_text
        and "1503.20.80127" in note.body_text
        and "upgraded" in note.body_text
    )
    assert note.link == f"/agreements/orders/{order.pk}/"
    lines = ServiceOrderAccount.objects.filter(order=order)
    assert {line.result for line in lines} == {"OK"}
    # the Autorisasjoner tab mirrors the bank's approval rights after the order
    assert set(
        BankApprovalRight.objects.filter(bank_account=drift).values_list("bank_user_id", flat=True)
    ) == {"TB12345"}
    actions = set(AuditEvent.objects.filter(company=company_a).values_list("action", flat=True))
    assert {"service_order.create", "service_order.status", "bank_account.agreement_set"} <= actions
    # a second round with nothing new changes nothing
    again = poll(bank)
    assert again.events == 0 and Notification.objects.filter(company=company_a).count() == 1


def test_nets_ocr_alone_leaves_avtaleid_empty(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    invoice_settings_update(company_a, kid_enabled=True, kid_length=9, kid_algorithm="MOD10")
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=["nets_ocr"])
    confirm_and_process(sim, order)
    poll(bank)
    drift.refresh_from_db()
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED
    assert drift.agreement_id == "" and drift.services == ["OCR"]


def test_kid_mismatch_becomes_an_error_notification_that_explains_it(
    bank, sim, company_a, admin_a, demo_accounts
):
    drift, _ = demo_accounts
    # The bank's OCR agreement on 15032080119 is 9 digits MOD10; the portal makes 10 digits MOD11.
    invoice_settings_update(company_a, kid_enabled=True, kid_length=10, kid_algorithm="MOD11")
    order = service_order_create(
        company_a, user=admin_a, account_ids=_ids(drift), services=["remittance", "nets_ocr"]
    )
    confirm_and_process(sim, order)
    poll(bank)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.PARTIALLY_COMPLETED and order.code == "kid_mismatch"
    error = Notification.objects.get(company=company_a, level=Notification.Level.ERROR)
    assert "KID structure does not match" in error.title_text
    assert "10 digits with MOD11" in error.body_text and "lengde 9, MOD10" in error.body_text
    assert "invoice settings" in error.body_text
    line = ServiceOrderAccount.objects.get(order=order)
    assert line.result == "FAILED" and "KID" in line.errors[0]
    drift.refresh_from_db()
    assert drift.services == ["REMITTANCE"] and drift.agreement_id  # remittance still went through


def test_duplicate_events_update_and_notify_once(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    confirm_and_process(sim, order)
    sim.sim_set_fault(endpoint="changes", mode="duplicate", rate=1.0)
    report = poll(bank)
    assert report.duplicates_skipped > 0
    # and a replay of the same events (a second worker, a redelivered page) is a no-op
    from agreements.services.order_results import service_orders_apply_events

    page = bank.changes(0, limit=100)
    assert service_orders_apply_events([e for e in page.events if e.type == "service_order.updated"]) == 0
    assert Notification.objects.filter(company=company_a).count() == 1
    assert AuditEvent.objects.filter(action="service_order.status", object_id=str(order.pk)).count() == 2


def test_bank_down_when_ordering_keeps_the_order_and_retries(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    sim.sim_set_fault(endpoint="service_order_create", mode="error_503", rate=1.0)
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    assert order.status == ServiceOrder.Status.SUBMITTING and "sent again automatically" in order.message
    sim.sim_clear_faults()
    service_order_submit(order)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.AWAITING_CONFIRMATION and order.bank_order_id


def test_an_order_left_submitting_is_sent_by_the_sweep(bank, sim, company_a, admin_a, demo_accounts):
    """Its task ran out of retries, or the broker was down when it was placed."""
    drift, _ = demo_accounts
    sim.sim_set_fault(endpoint="service_order_create", mode="error_503", rate=1.0)
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    assert service_orders_submit_stale(client=bank) == 0  # fresh: its own task may still run
    ServiceOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert service_orders_submit_stale(client=bank) == 0  # the bank is still down: kept
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.SUBMITTING
    sim.sim_clear_faults()
    ServiceOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert service_orders_submit_stale(client=bank) == 1
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.AWAITING_CONFIRMATION
    assert sim.sim_state()["service_orders"] == {"AWAITING_CONFIRMATION": 1}


def test_timeout_after_the_bank_created_the_order_does_not_order_twice(
    bank, sim, company_a, admin_a, demo_accounts
):
    drift, _ = demo_accounts
    sim.sim_set_fault(endpoint="service_order_create", mode="drop", rate=1.0)
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    assert order.status == ServiceOrder.Status.SUBMITTING
    sim.sim_clear_faults()
    service_order_submit(order)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.AWAITING_CONFIRMATION
    assert sim.sim_state()["service_orders"] == {"AWAITING_CONFIRMATION": 1}  # the reference deduplicated


def test_bank_rejection_is_an_error_notification_in_plain_words(bank, sim, make_company, admin_a):
    company = make_company("Uten Nettbank AS")  # 123456785 is taken by nobody here: fresh fixture
    sim.sim_upsert_customer(
        {
            "org_number": company.org_number,
            "name": company.name,
            "subscription": "none",
            "accounts": [{"number": "15032080135", "name": "Driftskonto"}],
        }
    )
    account = bank_account_create(company, account_number="15032080135", name="Drift", ledger_account="1920")
    order = service_order_create(company, account_ids=[account.pk], services=BASIC)
    confirm_and_process(sim, order)
    poll(bank)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.REJECTED and order.code == "no_online_bank"
    error = Notification.objects.get(company=company)
    assert error.level == Notification.Level.ERROR
    assert "bedriftsnettbank" in error.body_text and "online bank agreement" in error.body_text


def test_status_while_processing_needs_no_detail_fetch(
    bank, sim, company_a, admin_a, demo_accounts, monkeypatch
):
    drift, _ = demo_accounts
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    sim.sim_confirm_order(order.wizard_url)
    calls = []
    monkeypatch.setattr(type(bank), "get_service_order", lambda self, i: calls.append(i))
    poll(bank)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.PROCESSING and calls == []


def test_bank_down_while_fetching_results_loses_nothing(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    confirm_and_process(sim, order)
    sim.sim_set_fault(endpoint="service_order_detail", mode="error_500", rate=1.0)
    report = feed.bank_feed_poll(client=bank, force=True)
    assert report.error.startswith("bank unavailable")
    order.refresh_from_db()
    assert order.is_pending
    sim.sim_clear_faults()
    poll(bank)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED
    assert (
        Notification.objects.filter(company=company_a, title__contains="The agreement is registered").count()
        == 1
    )


def test_long_outage_shows_a_warning_on_pending_orders(company_a, admin_a, demo_accounts, settings):
    from datetime import timedelta

    from django.utils import timezone

    from agreements.models import BankFeedCursor

    order = ServiceOrder.objects.create(
        company=company_a, idempotency_key="x", reference="r-x", status=ServiceOrder.Status.PROCESSING
    )
    assert service_order_outage_warning(order) == ""
    settings.BANK_OUTAGE_WARNING_SECONDS = 1800
    BankFeedCursor.objects.update_or_create(
        bank="DNB",
        defaults={"consecutive_failures": 5, "last_success_at": timezone.now() - timedelta(hours=1)},
    )
    warning = service_order_outage_warning(order)
    assert "60 minutes" in warning and "nothing needs to be ordered again" in warning
    order.status = ServiceOrder.Status.COMPLETED
    assert service_order_outage_warning(order) == ""


def test_admin_shows_raw_answers_and_repolls_one_order(bank, sim, company_a, admin_a, demo_accounts, client):
    from django.contrib.auth import get_user_model

    drift, _ = demo_accounts
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    confirm_and_process(sim, order)  # the feed is not polled: support re-polls this one order
    staff = get_user_model().objects.create_superuser("support", "s@example.test", "pw-support-123")
    client.force_login(staff)
    page = client.get(f"/admin/agreements/serviceorder/{order.pk}/change/")
    assert page.status_code == 200 and order.wizard_url.encode() in page.content
    r = client.post(
        "/admin/agreements/serviceorder/", {"action": "repoll", "_selected_action": [order.pk]}, follow=True
    )
    assert r.status_code == 200
    order.refresh_from_db()
    drift.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED and drift.agreement_id
    assert order.raw_response["results"][0]["account"] == "15032080119"


def test_two_workers_applying_the_same_result_update_and_notify_once(
    bank, sim, company_a, admin_a, demo_accounts
):
    """Both workers read the order as pending before either wrote: the conditional claim picks one."""
    from agreements.services.order_results import _apply_order_updates

    drift, _ = demo_accounts
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    confirm_and_process(sim, order)
    detail = bank.get_service_order(order.bank_order_id)
    stale_a = ServiceOrder.objects.get(pk=order.pk)
    stale_b = ServiceOrder.objects.get(pk=order.pk)
    last = {order.bank_order_id: detail.status}
    assert _apply_order_updates([stale_a], last, {order.pk: detail}, client=bank) == 1
    assert _apply_order_updates([stale_b], last, {order.pk: detail}, client=bank) == 0
    assert Notification.objects.filter(company=company_a).count() == 1
    assert (
        AuditEvent.objects.filter(action="bank_account.agreement_set", object_id=str(drift.pk)).count() == 1
    )


def test_submit_task_retries_with_backoff_while_the_bank_is_down(
    bank, sim, company_a, admin_a, demo_accounts, monkeypatch
):
    from agreements.tasks import service_order_submit as task

    drift, _ = demo_accounts
    sim.sim_set_fault(endpoint="service_order_create", mode="error_503", rate=1.0)
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    retries = []

    class Retry(Exception):
        pass

    def fake_retry(exc=None, countdown=None, **kw):
        retries.append(countdown)
        raise Retry

    monkeypatch.setattr(task, "retry", fake_retry)
    with pytest.raises(Retry):
        task.run(order.pk)
    assert retries == [15]  # backoff starts at 15 s and doubles, capped at 15 minutes
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.SUBMITTING
    sim.sim_clear_faults()
    assert task.apply(args=[order.pk]).get() == ServiceOrder.Status.AWAITING_CONFIRMATION
    assert task.apply(args=[order.pk]).get() == ServiceOrder.Status.AWAITING_CONFIRMATION  # safe twice
    assert sim.sim_state()["service_orders"] == {"AWAITING_CONFIRMATION": 1}


def test_an_order_the_bank_refuses_outright_is_failed_with_its_reason(company_a, admin_a, demo_accounts):
    from bankclient import BankRejected

    class Refusing:
        def create_service_order(self, **kwargs):
            raise BankRejected("kid_structure_required", "Bestilling av Nets OCR krever KID-struktur.")

    drift, _ = demo_accounts
    order = service_order_create(
        company_a, user=admin_a, account_ids=_ids(drift), services=BASIC, client=Refusing()
    )
    assert order.status == ServiceOrder.Status.FAILED and order.code == "kid_structure_required"
    assert "KID-struktur" in order.message
    assert AuditEvent.objects.filter(action="service_order.status", object_id=str(order.pk)).count() == 1


def test_approval_rights_are_fetched_again_when_the_bank_fails_after_the_order(
    bank, sim, company_a, admin_a, demo_accounts, monkeypatch, django_capture_on_commit_callbacks
):
    """A transient error reading the rights must not leave every approver with an AG08 warning."""
    from agreements import tasks

    drift, _ = demo_accounts
    queued = []
    monkeypatch.setattr(tasks.bank_rights_refresh, "delay", lambda company_id: queued.append(company_id))
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift), services=BASIC)
    confirm_and_process(sim, order)
    sim.sim_set_fault(endpoint="customer_detail", mode="error_500", rate=1.0)
    with django_capture_on_commit_callbacks(execute=True):
        poll(bank)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED
    assert not BankApprovalRight.objects.filter(bank_account=drift).exists()
    assert queued == [company_a.pk]
    # the task, while the bank still fails, asks to be retried; then it succeeds
    retries = []

    class Retry(Exception):
        pass

    def fake_retry(exc=None, countdown=None, **kw):
        retries.append(countdown)
        raise Retry

    monkeypatch.setattr(tasks.bank_rights_refresh, "retry", fake_retry)
    with pytest.raises(Retry):
        tasks.bank_rights_refresh.run(company_a.pk)
    assert retries == [15]
    sim.sim_clear_faults()
    assert tasks.bank_rights_refresh.run(company_a.pk) == "refreshed"
    assert set(
        BankApprovalRight.objects.filter(bank_account=drift).values_list("bank_user_id", flat=True)
    ) == {"TB12345"}


def test_the_agreements_payment_file_version_follows_the_bank(bank, sim, company_a, admin_a, demo_accounts):
    """A new remittance agreement is on pain.001.001.09 at the bank: the completed order copies
    it onto the account (one the portal had on .03); the customer detail read later copies an
    older agreement's .03 back."""
    drift, skatt = demo_accounts
    BankAccount.objects.filter(pk__in=_ids(drift, skatt)).update(payment_file_version="pain.001.001.03")
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift, skatt), services=BASIC)
    confirm_and_process(sim, order)
    poll(bank)
    assert set(
        BankAccount.objects.filter(pk__in=_ids(drift, skatt)).values_list("payment_file_version", flat=True)
    ) == {"pain.001.001.09"}
    order.refresh_from_db()
    assert {r["payment_file_version"] for r in order.raw_response["results"]} == {"pain.001.001.09"}
    audit = AuditEvent.objects.filter(action="bank_account.agreement_set", object_id=str(drift.pk)).first()
    assert audit.changes["payment_file_version"] == {"before": "pain.001.001.03", "after": "pain.001.001.09"}

    sim.sim_upsert_customer(
        {
            "org_number": "123456785",
            "name": "Demo Regnskap AS",
            "subscription": "integrated",
            "accounts": [{"number": "15032080127", "payment_file_version": "pain.001.001.03"}],
        }
    )
    from agreements.services.order_results import bank_rights_refresh

    bank_rights_refresh(company_a, client=bank)
    skatt.refresh_from_db()
    drift.refresh_from_db()
    assert (drift.payment_file_version, skatt.payment_file_version) == ("pain.001.001.09", "pain.001.001.03")


def test_a_currency_account_takes_its_currency_from_the_bank(bank, sim, company_a, admin_a, demo_accounts):
    """The account's currency is the bank's word: a EUR account at the bank becomes a currency
    account in the portal when the bank's detail is read (audited), and pays only in euro."""
    drift, skatt = demo_accounts
    order = service_order_create(company_a, user=admin_a, account_ids=_ids(drift, skatt), services=BASIC)
    confirm_and_process(sim, order)
    poll(bank)
    sim.sim_upsert_customer(
        {
            "org_number": "123456785",
            "name": "Demo Regnskap AS",
            "subscription": "integrated",
            "accounts": [{"number": skatt.account_number, "currency": "EUR"}],
        }
    )
    from agreements.services.order_results import bank_rights_refresh

    bank_rights_refresh(company_a, client=bank)
    skatt.refresh_from_db()
    drift.refresh_from_db()
    assert (drift.currency, skatt.currency) == ("NOK", "EUR")
    audit = AuditEvent.objects.filter(action="bank_account.agreement_set", object_id=str(skatt.pk)).latest(
        "pk"
    )
    assert audit.changes["currency"] == {"before": "NOK", "after": "EUR"}
