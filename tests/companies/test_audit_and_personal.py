import logging

import pytest
from django.db import DatabaseError, connection, transaction

from bankint import context
from bankint.errors import ValidationFailed
from bankint.personal import mask_fodselsnummer, mask_fodselsnummer_in_text
from companies.models import AuditEvent, UserProfile
from companies.services import audit_record, user_profile_update

pytestmark = pytest.mark.django_db

FNR = "15108695088"  # a valid test fødselsnummer (both check digits right)


def test_services_write_audit_rows_with_context(company_a, admin_a):
    token = context.bind(
        user_id=admin_a.pk, username="admin-a", ip="10.1.2.3", request_id="req42", source="web"
    )
    try:
        event = audit_record(
            "thing.approve", obj=company_a, changes={"before": {"s": "A"}, "after": {"s": "B"}}
        )
    finally:
        context.reset(token)
    event.refresh_from_db()
    assert (event.actor_id, event.actor_label, event.ip, event.request_id, event.source) == (
        admin_a.pk,
        "admin-a",
        "10.1.2.3",
        "req42",
        "web",
    )
    assert event.company == company_a
    assert event.object_type == "companies.company" and event.object_id == str(company_a.pk)
    assert event.changes["after"] == {"s": "B"}
    # company creation and membership grants by the fixtures were audited too
    assert AuditEvent.objects.filter(action="company.create", company=company_a).count() == 1
    assert AuditEvent.objects.filter(action="membership.grant", company=company_a).count() == 1


def test_audit_trail_is_append_only_in_the_database(company_a):
    event = audit_record("thing.do", obj=company_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "thing.do"


def test_fodselsnummer_is_encrypted_at_rest_and_masked(admin_a):
    profile = user_profile_update(user=admin_a, national_id=FNR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM companies_userprofile WHERE id = %s", [profile.pk])
        raw = cursor.fetchone()[0]
    assert FNR not in raw and len(raw) > 40
    assert UserProfile.objects.get(pk=profile.pk).national_id == FNR
    assert profile.national_id_masked == "151086 *****"
    # the audit row names the field, never the value
    event = AuditEvent.objects.filter(action="user_profile.update").latest("id")
    assert FNR not in str(event.changes) and "national_id" in event.changes["fields"]


def test_invalid_fodselsnummer_refused(admin_a):
    with pytest.raises(ValidationFailed):
        user_profile_update(user=admin_a, national_id="15108695077")


def test_masking_helpers():
    assert mask_fodselsnummer(FNR) == "151086 *****"
    assert (
        mask_fodselsnummer_in_text(f"person {FNR} paid to 86011117947")
        == "person 151086 ***** paid to 86011117947"
    )


def test_log_lines_never_carry_a_fodselsnummer(caplog):
    from bankint.logging import MaskPersonalDataFilter

    logger = logging.getLogger("bankint.test")
    handler_filter = MaskPersonalDataFilter()
    with caplog.at_level(logging.INFO, logger="bankint.test"):
        caplog.handler.addFilter(handler_filter)
        try:
            logger.info("signing for %s", FNR)
        finally:
            caplog.handler.removeFilter(handler_filter)
    assert FNR not in caplog.text
    assert "151086 *****" in caplog.text


def test_me_and_admin_show_only_the_masked_number(admin_a, api_for, client, make_user):
    user_profile_update(user=admin_a, national_id=FNR)
    body = api_for(admin_a).get("/api/v1/me/").content.decode()
    assert FNR not in body and "151086 *****" in body
    support = make_user("support", is_staff=True)
    support.is_superuser = True
    support.save()
    client.force_login(support)
    for url in (
        "/admin/companies/userprofile/",
        f"/admin/companies/userprofile/{admin_a.profile.pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert FNR not in page.content.decode()
        assert "151086 *****" in page.content.decode()


def test_the_mask_hides_the_personnummer_not_the_birth_date():
    """Was the wrong half: ******95088 showed the individual number and check digits."""
    from bankint.personal import mask_fodselsnummer

    masked = mask_fodselsnummer("151086 95088")
    assert masked == "151086 *****" and "95088" not in masked
    assert mask_fodselsnummer("1510869508") == "*****"  # not a whole number: nothing shown
