"""Support answers "where is my payment?" in the admin, in a real browser (issue 24, item 3).

The customer gives an EndToEndId; support logs in to /admin/, searches the payments, opens the
batch and reads on one page what the bank said and who did what.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from companies.models import AuditEvent
from companies.support import support_group_sync
from iso20022.pain002 import REASON_TEXTS
from tests.companies.test_support_admin import make_sent_batch
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_support_finds_a_payment_by_its_end_to_end_id_and_reads_its_batch(
    page, live_server, make_company, make_user, screenshot
):
    alfa, beta = make_company("Alfa AS"), make_company("Beta AS")
    batch, _kid, rejected = make_sent_batch(alfa, beta, make_user)
    support = make_user("support-sam", is_staff=True, first_name="Sam")
    support.groups.add(support_group_sync())

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "support-sam")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Betalinger", exact=True).click()
    page.fill("#searchbar", rejected.end_to_end_id)
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Leverandør AS")
    screenshot("support-payment-search")

    page.locator("#result_list tbody tr a").first.click()  # the payment
    page.get_by_role("link", name=batch.msg_id[:20], exact=False).first.click()  # its batch
    expect(page.locator("body")).to_contain_text(f"AC03: {REASON_TEXTS['AC03'][0]}")
    expect(page.locator("body")).to_contain_text("pain.001 sendt")
    expect(page.locator("body")).to_contain_text("Bunt opprettet")
    expect(page.locator("body")).not_to_contain_text("payment_batch.")
    screenshot("support-batch-page")
    assert AuditEvent.objects.filter(
        actor=get_user_model().objects.get(username="support-sam"),
        action="support.view",
        object_type="remittance.paymentbatch",
        object_id=str(batch.pk),
        company=alfa,
    ).exists()
