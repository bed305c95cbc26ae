import pytest
from django.core import mail

from companies.roles import Role
from notifications.models import Notification
from notifications.selectors import notification_list_for_user, notification_unread_count
from notifications.services import notification_email_send, notification_mark_read, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, company_a):
    return {
        "admin": make_user("n-admin", company=company_a, roles=[Role.SYSADMIN]),
        "accountant": make_user("n-acc", company=company_a, roles=[Role.ACCOUNTANT]),
        "approver": make_user("n-appr", company=company_a, roles=[Role.APPROVER]),
        "readonly": make_user("n-ro", company=company_a, roles=[Role.READ_ONLY]),
    }


def test_admin_audience_and_personal_notifications(company_a, people):
    notify(company_a, title="Avtalen er registrert", body="Kontoene har fått AvtaleID.")
    notify(company_a, title="Til deg", body="Personlig", user=people["approver"])
    assert notification_unread_count(people["admin"], company_a) == 1
    assert notification_unread_count(people["accountant"], company_a) == 1
    assert [n.title for n in notification_list_for_user(people["approver"], company_a)] == ["Til deg"]
    assert notification_unread_count(people["readonly"], company_a) == 0


def test_read_state_is_per_user(company_a, people):
    n = notify(company_a, title="T", body="B")
    notification_mark_read(n, people["admin"])
    notification_mark_read(n, people["admin"])  # idempotent
    assert notification_unread_count(people["admin"], company_a) == 0
    assert notification_unread_count(people["accountant"], company_a) == 1


def test_same_event_notifies_once(company_a, people):
    first = notify(company_a, title="Order 7 done", body="...", dedup_key="order:7:done")
    again = notify(company_a, title="Order 7 done", body="...", dedup_key="order:7:done")
    assert first.pk == again.pk
    assert Notification.objects.filter(company=company_a).count() == 1


def test_other_company_never_sees_it(company_a, company_b, people, make_user):
    notify(company_a, title="Secret", body="A only")
    outsider = make_user("out", company=company_b, roles=[Role.SYSADMIN])
    assert notification_unread_count(outsider, company_b) == 0
    assert notification_list_for_user(outsider, company_a).count() == 0  # not a member: nothing


def test_error_is_emailed_once_to_the_admins(company_a, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = notify(
            company_a, level=Notification.Level.ERROR, title="KID mismatch", body="Endre KID-oppsettet."
        )
    assert len(callbacks) == 1  # enqueued only after commit
    assert notification_email_send(n.pk) == 2
    assert notification_email_send(n.pk) == 0  # a redelivered task sends nothing
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["n-acc@example.test", "n-admin@example.test"]
    assert "KID mismatch" in mail.outbox[0].subject


def test_info_is_not_emailed(company_a, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(company_a, title="FYI", body="...")
    assert callbacks == []


def test_api_list_unread_and_mark_read(company_a, people, api_for):
    n1 = notify(company_a, title="One", body="1")
    notify(company_a, title="Two", body="2")
    client = api_for(people["admin"])
    base = f"/api/v1/companies/{company_a.pk}/notifications/"
    assert client.get(base + "?unread=true").json()["count"] == 2
    assert client.post(f"{base}{n1.pk}/read/").json() == {"marked": 1}
    unread = client.get(base + "?unread=true").json()
    assert [r["title"] for r in unread["results"]] == ["Two"]
    assert client.post(f"{base}read-all/").json() == {"marked": 1}
    assert client.get(base + "?unread=true").json()["count"] == 0
    # read-only members may not see administrators' notifications at all
    assert api_for(people["readonly"]).get(f"{base}{n1.pk}/").status_code == 404


def test_ui_bell_list_and_mark_read(company_a, people, client):
    n = notify(company_a, title="Avtalen er registrert", body="Konto 1503.20.80119")
    client.force_login(people["admin"])
    page = client.get("/").content.decode()
    assert 'data-testid="unread-count">1<' in page
    listing = client.get("/notifications/").content.decode()
    assert "Avtalen er registrert" in listing
    response = client.post(f"/notifications/{n.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "notifications-changed"
    assert 'data-testid="unread-count">0<' in client.get("/notifications/bell/").content.decode()


def test_ui_other_company_notification_is_404(company_a, company_b, people, client, make_user):
    n = notify(company_a, title="A", body="A")
    outsider = make_user("out2", company=company_b, roles=[Role.SYSADMIN])
    client.force_login(outsider)
    assert client.post(f"/notifications/{n.pk}/read/").status_code == 404
    assert client.post("/companies/switch/", {"company_id": company_a.pk}).status_code == 404


def test_notify_bulk_skips_repeats_and_emails_warnings_per_company(
    company_a, company_b, people, django_capture_on_commit_callbacks
):
    from notifications.services import notify_bulk

    def note(company, level, key):
        return Notification(company=company, level=level, title=key, body="...", dedup_key=key)

    # Company B already has a notification with the same key: it must not be mistaken for A's.
    notify(company_b, level=Notification.Level.ERROR, title="B", body="b", dedup_key="order:1:done")
    Notification.objects.filter(company=company_b).update(emailed_at=None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_bulk(
            [
                note(company_a, Notification.Level.WARNING, "order:1:done"),
                note(company_a, Notification.Level.INFO, "order:2:done"),
            ]
        )
        notify_bulk([note(company_a, Notification.Level.WARNING, "order:1:done")])  # redelivered
    assert Notification.objects.filter(company=company_a).count() == 2
    # one e-mail per delivery for A's warning (the send itself is claimed once); none for B or INFO
    assert len(callbacks) == 2


def test_audit_events_build_stamps_the_actor_context(company_a, admin_a):
    from bankint import context
    from companies.models import AuditEvent
    from companies.services import audit_events_build

    token = context.bind(
        user_id=admin_a.pk, username="admin-a", ip="10.0.0.9", request_id="r1", source="task:x"
    )
    try:
        events = audit_events_build("thing.sync", [company_a], {company_a.pk: {"after": {"x": 1}}})
    finally:
        context.reset(token)
    AuditEvent.objects.bulk_create(events)
    saved = AuditEvent.objects.get(action="thing.sync")
    assert (saved.actor_id, saved.ip, saved.source, saved.company_id) == (
        admin_a.pk,
        "10.0.0.9",
        "task:x",
        company_a.pk,
    )
    assert saved.changes == {"after": {"x": 1}}
