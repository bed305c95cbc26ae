"""Four-eyes (issue 21 item 6): nobody approves a batch they built or whose payments they
entered or changed; a company setting, off only while one person alone handles payments."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from bankint.errors import NotPermitted, ValidationFailed
from companies.models import AuditEvent, Membership
from companies.roles import Role
from companies.services import membership_grant
from remittance import services as s
from remittance.models import Payment, PaymentBatch, PaymentSettings
from remittance.selectors import four_eyes_in_force, payment_batch_timeline

from .test_api import _url
from .test_flows import _batch, _pay
from .test_views import _login

pytestmark = pytest.mark.django_db
B, P = PaymentBatch.Status, Payment.Status


def _enter(setup, user, amount="9999.00", message="Faktura 1"):
    return s.payment_create(
        setup.company,
        bank_account_id=setup.account.pk,
        creditor_name="Leverandør AS",
        creditor_account="15032080135",
        amount=amount,
        message=message,
        user=user,
    )


def _approve(batch, user, sim, bank):
    session = s.payment_batch_approve_start(batch, user, client=bank)
    sim.sim_sign(session.url)
    batch.refresh_from_db()
    return s.payment_batch_approve_complete(batch, user, client=bank)


def _one_person(setup):
    """The approver alone handles the company's payments: administrator and approver both."""
    membership_grant(company=setup.company, user=setup.approver, role=Role.SYSADMIN)
    Membership.objects.filter(company=setup.company, user=setup.preparer).delete()
    return setup.approver


def test_who_entered_a_payment_cannot_approve_the_batch_another_built(setup, bank):
    """Was: a 9 999.00 payment entered and approved by the same person, accepted at the bank."""
    membership_grant(company=setup.company, user=setup.approver, role=Role.SYSADMIN)
    mine = _enter(setup, setup.approver)
    batch = _batch(setup, mine, _pay(setup, "10.00", message="other"))  # built by the preparer
    assert batch.created_by == setup.preparer
    with pytest.raises(NotPermitted) as exc:
        s.payment_batch_approve_start(batch, setup.approver, client=bank)
    assert exc.value.code == "four_eyes"
    assert "9999.00" in exc.value.message and mine.end_to_end_id in exc.value.message
    batch.refresh_from_db()
    assert batch.signing_id is None and batch.status == B.DRAFT


def test_the_api_refuses_it_with_403_and_the_page_says_why(setup, bank, api_for):
    membership_grant(company=setup.company, user=setup.approver, role=Role.SYSADMIN)
    mine = _enter(setup, setup.approver)
    batch = _batch(setup, mine)
    r = api_for(setup.approver).post(
        _url(setup.company, f"payment-batches/{batch.pk}/approve/"), {}, format="json"
    )
    assert r.status_code == 403 and r.json()["code"] == "four_eyes"
    page = _login(setup.approver, setup.company).get(f"/payments/batches/{batch.pk}/").content.decode()
    assert 'data-testid="approve-bankid"' not in page and mine.end_to_end_id in page


def test_who_corrected_a_payment_or_entered_the_original_cannot_approve(setup, make_user, bank):
    membership_grant(company=setup.company, user=setup.approver, role=Role.SYSADMIN)
    original = _enter(setup, setup.approver)
    Payment.objects.filter(pk=original.pk).update(status=P.REJECTED, reason_code="AC01")
    original.refresh_from_db()
    corrector = make_user("corrector", company=setup.company, roles=[Role.SYSADMIN, Role.APPROVER])
    fixed = s.payment_correct(original, user=corrector, message="Faktura 1 rettet")
    assert set(fixed.editors.all()) == {setup.approver, corrector}
    batch = _batch(setup, fixed)
    for user in (setup.approver, corrector):  # entered the data, or changed it
        with pytest.raises(NotPermitted):
            s.payment_batch_approve_start(batch, user, client=bank)
    third = make_user("third", company=setup.company, roles=[Role.APPROVER])
    assert s.payment_batch_approve_start(batch, third, acknowledge_warnings=True, client=bank).url


def test_another_approver_approves_and_the_audit_row_does_not_mention_the_rule(setup, bank, sim):
    batch = _batch(setup, _enter(setup, setup.preparer))
    approved = _approve(batch, setup.approver, sim, bank)
    assert approved.status == B.APPROVED
    row = AuditEvent.objects.get(action="payment_batch.approved", object_id=str(batch.pk))
    assert "four_eyes" not in row.changes


def test_the_rule_is_on_by_default_and_stays_on_where_two_people_handle_payments(setup, make_user):
    assert four_eyes_in_force(setup.company)
    with pytest.raises(ValidationFailed) as exc:
        s.payment_settings_update(setup.company, setup.preparer, four_eyes=False)
    assert exc.value.code == "four_eyes_required" and "2 people" in exc.value.message
    assert not PaymentSettings.objects.filter(company=setup.company, four_eyes=False).exists()
    # only a system administrator decides: not the approver, not the accountant
    accountant = make_user("acc", company=setup.company, roles=[Role.ACCOUNTANT])
    for user in (setup.approver, accountant):
        with pytest.raises(NotPermitted):
            s.payment_settings_update(setup.company, user, four_eyes=True)


def test_a_one_person_company_switches_it_off_and_the_approval_says_so(setup, bank, sim):
    solo = _one_person(setup)
    batch = s.payment_batches_build(setup.company, payment_ids=[_enter(setup, solo).pk], user=solo)[0]
    with pytest.raises(NotPermitted):
        s.payment_batch_approve_start(batch, solo, client=bank)
    s.payment_settings_update(setup.company, solo, four_eyes=False)
    change = AuditEvent.objects.get(action="payment_settings.update")
    assert change.changes == {"four_eyes": {"before": True, "after": False}, "payment_people": 1}
    approved = _approve(batch, solo, sim, bank)
    assert approved.status == B.APPROVED and approved.approved_by == solo
    start = AuditEvent.objects.get(action="payment_batch.signing_start", object_id=str(batch.pk))
    row = AuditEvent.objects.get(action="payment_batch.approved", object_id=str(batch.pk))
    assert start.changes["four_eyes"] == row.changes["four_eyes"] == "off (one-person company)"


def test_a_second_person_brings_the_rule_back_even_between_signing_and_completion(
    setup, make_user, bank, sim
):
    solo = _one_person(setup)
    s.payment_settings_update(setup.company, solo, four_eyes=False)
    batch = s.payment_batches_build(setup.company, payment_ids=[_enter(setup, solo).pk], user=solo)[0]
    session = s.payment_batch_approve_start(batch, solo, client=bank)
    sim.sim_sign(session.url)
    make_user("new-accountant", company=setup.company, roles=[Role.ACCOUNTANT])
    assert four_eyes_in_force(setup.company)
    batch.refresh_from_db()
    with pytest.raises(NotPermitted):
        s.payment_batch_approve_complete(batch, solo, client=bank)
    batch.refresh_from_db()
    assert batch.status == B.DRAFT and batch.signing_id is None and not batch.signature_ref
    assert AuditEvent.objects.filter(action="payment_batch.signing_refused", object_id=str(batch.pk)).exists()
    labels = [row["action"] for row in payment_batch_timeline(batch)]
    assert "BankID signing refused: the four-eyes rule applies" in labels


def test_settings_through_the_api_system_administrators_only(setup, make_user, api_for):
    url = _url(setup.company, "payment-settings/")
    reader = make_user("reader", company=setup.company, roles=[Role.READ_ONLY])
    r = api_for(reader).get(url)
    assert r.status_code == 200
    assert r.json() == {
        "four_eyes": True,
        "four_eyes_in_force": True,
        "payment_people": 2,
        "updated_at": None,
    }
    accountant = make_user("acc", company=setup.company, roles=[Role.ACCOUNTANT])
    for user in (reader, setup.approver, accountant):
        assert api_for(user).patch(url, {"four_eyes": False}, format="json").status_code == 403
    r = api_for(setup.preparer).patch(url, {"four_eyes": False}, format="json")
    assert (
        r.status_code == 400 and r.json()["code"] == "four_eyes_required" and r.json()["fields"]["four_eyes"]
    )
    assert api_for(setup.preparer).put(url, {"four_eyes": "maybe"}, format="json").status_code == 400
    assert api_for(setup.preparer).put(url, {"four_eyes": True, "x": 1}, format="json").status_code == 400
    Membership.objects.filter(user=accountant).delete()
    solo = _one_person(setup)
    r = api_for(solo).put(url, {"four_eyes": False}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["four_eyes"] is False and r.json()["four_eyes_in_force"] is False
    assert r.json()["payment_people"] == 1
    schema = api_for(solo).get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/companies/{company_id}/payment-settings/" in schema["paths"]


def test_settings_page_shows_the_rule_and_only_administrators_change_it(setup):
    page = _login(setup.approver, setup.company).get("/payments/settings/")
    assert page.status_code == 200 and 'data-testid="payment-settings-form"' not in page.content.decode()
    assert _login(setup.approver, setup.company).post("/payments/settings/", {}).status_code == 403
    admin = _login(setup.preparer, setup.company)
    r = admin.post("/payments/settings/", {})  # unticked: switch off, in a two-person company
    assert r.status_code == 400 and 'data-testid="error-four_eyes"' in r.content.decode()
    solo = _one_person(setup)
    r = _login(solo, setup.company).post("/payments/settings/", {}, follow=True)
    assert r.status_code == 200
    assert PaymentSettings.objects.get(company=setup.company).four_eyes is False
    assert 'data-testid="four-eyes-state"' in r.content.decode()


def test_the_migration_fills_in_who_entered_existing_payments(setup, make_user):
    migration = importlib.import_module("remittance.migrations.0002_four_eyes_and_signing")
    original = _enter(setup, setup.preparer)
    Payment.objects.filter(pk=original.pk).update(status=P.REJECTED)
    original.refresh_from_db()
    other = make_user("other", company=setup.company, roles=[Role.SYSADMIN])
    fixed = s.payment_correct(original, user=other, message="rettet")
    plain = _enter(setup, other, amount="1.00", message="x")
    Payment.editors.through.objects.all().delete()  # as before the migration
    migration.editors_from_creators(apps, None)
    assert set(original.editors.all()) == {setup.preparer}
    assert set(fixed.editors.all()) == {setup.preparer, other}
    assert set(plain.editors.all()) == {other}


@pytest.mark.parametrize("how", ["cancelled", "four_eyes"])
def test_a_signing_the_feed_cannot_complete_is_told_to_the_signer(setup, make_user, bank, sim, how):
    """The feed path tells the signer why their signed batch is not approved (it read the signer
    after the signing had been cleared, and told nobody)."""
    from types import SimpleNamespace

    from notifications.models import Notification

    if how == "four_eyes":
        solo = _one_person(setup)
        s.payment_settings_update(setup.company, solo, four_eyes=False)
        batch = s.payment_batches_build(setup.company, payment_ids=[_enter(setup, solo).pk], user=solo)[0]
    else:
        solo = setup.approver
        batch = _batch(setup, _enter(setup, setup.preparer))
    session = s.payment_batch_approve_start(batch, solo, client=bank)
    sim.sim_sign(session.url, cancel=how == "cancelled")
    if how == "four_eyes":
        make_user("new-accountant", company=setup.company, roles=[Role.ACCOUNTANT])
    s.feed_signing_updated([SimpleNamespace(resource_id=str(session.id))], client=bank)
    batch.refresh_from_db()
    assert batch.status == B.DRAFT and batch.signing_id is None
    note = Notification.objects.get(company=setup.company, user=solo, title="Batch not approved")
    assert ("cancelled" if how == "cancelled" else "four-eyes") in note.body
