"""The layout of every main page at a laptop (1366), a desktop (1920) and a phone (390) width.

On the demo data (``seed_demo``) each role opens the pages of the main menu. No page may be wider
than the window (wide tables scroll inside their own card), the top bar stays one row on a
laptop and a desktop, the menu never covers the company selector, and the actions of the
Kontoer table stay in view. Screenshots: var/screenshots/layout-<page>-<width>.png.
"""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import BankAccount, BankService
from tests.banksim_server import KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "bankint-demo-2026"
WIDTHS = {1366: 768, 1920: 1080, 390: 844}
LAPTOP_SMALL = 1280  # the browser tests' default width: the whole bar still fits
HEADER_ONE_ROW = 64  # px: one row of the top bar (two rows measure ~100)

PAGES = {
    "home": "/",
    "accounts": "/settings/bank-accounts/",
    "agreements": "/settings/bank-accounts/?tab=agreements",
    "authorisations": "/settings/bank-accounts/?tab=authorisations",
    "orders": "/agreements/orders/",
    "connect": "/agreements/connect/",
    "payments": "/payments/",
    "batches": "/payments/batches/",
    "payment-settings": "/payments/settings/",
    "reconciliation": "/reconciliation/",
    "matching": "/reconciliation/matching/",
    "ocr": "/ocr/",
    "ocr-unmatched": "/ocr/unmatched/",
    "invoices": "/ledger/invoices/",
    "customers": "/ledger/customers/",
    "suppliers": "/ledger/suppliers/",
    "bills": "/ledger/bills/",
    "vouchers": "/ledger/vouchers/",
    "invoice-settings": "/ledger/invoice-settings/",
    "notifications": "/notifications/",
}

GEOMETRY = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; };
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    header: box(document.querySelector("header.topbar")),
    menu: box(document.querySelector("nav.menu")),
    company: box(document.querySelector("[data-testid=company-switch]")),
    items: Array.from(document.querySelectorAll(
      "header .brand, nav.menu > *, .company-switch, .bell, .lang-switch button, .user-menu > .menu-title, .menu-toggle"
    )).map((el) => ({name: el.textContent.trim().slice(0, 20) || el.className, ...box(el)}))
      .filter((b) => b.width > 0 && b.height > 0),
  };
}"""


def _demo(live_server):
    call_command("seed_demo", stdout=io.StringIO())
    # A connected account, as after the DNB order: the Kontoer table at its widest.
    BankAccount.objects.filter(account_number="15032080119").update(
        services=[BankService.REMITTANCE, BankService.INCOMING_RECONCILIATION],
        agreement_id="DNB-AVT-2026-000118",
        division_name="Demo Regnskap AS Driftsdivisjon",
        division_number="4471",
    )
    call_command("seed_demo", stdout=io.StringIO())  # now with payments


def login(page, base_url: str, username: str):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page.get_by_test_id("logout")).to_be_attached()


def _overlap(a, b) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


def _check(page, name: str, width: int, screenshot) -> list[str]:
    """What is wrong with the layout of the open page; takes its screenshot."""
    screenshot(f"layout-{name}-{width}")
    geometry, problems = page.evaluate(GEOMETRY), []
    if geometry["scrollWidth"] > geometry["innerWidth"]:
        problems.append(f"{name} at {width}: the page is {geometry['scrollWidth']} px wide")
    if width >= LAPTOP_SMALL and geometry["header"]["height"] > HEADER_ONE_ROW:
        problems.append(f"{name} at {width}: the header wraps ({geometry['header']['height']} px)")
    menu, company = geometry["menu"], geometry["company"]
    if menu and company and menu["width"] and company["width"] and _overlap(menu, company):
        problems.append(f"{name} at {width}: the menu covers the company selector")
    items = geometry["items"]
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if _overlap(a, b):
                problems.append(f"{name} at {width}: {a['name']!r} and {b['name']!r} overlap in the top bar")
    return problems


def test_every_main_page_fits_at_laptop_desktop_and_phone_width(page, live_server, screenshot):
    _demo(live_server)
    login(page, live_server.url, "demo-admin")
    problems = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, path in PAGES.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, f"{name}: {response.status}"
            problems += _check(page, name, width, screenshot)
    # On a laptop a group opens under its title, the user's links under the name.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/payments/")
    expect(page.locator(".menu-group.current .menu-title")).to_have_text("Betalinger")
    expect(page.locator("nav.menu a[aria-current=page]")).to_have_count(1)
    page.hover(".menu-title:has-text('Betalinger')")
    expect(page.get_by_test_id("menu-payment-batches")).to_be_visible()
    screenshot("layout-menu-dropdown-1366")
    page.hover(".user-menu .menu-title")
    expect(page.get_by_test_id("logout")).to_be_visible()
    screenshot("layout-user-menu-1366")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # On the phone the menu folds behind one button and opens below the bar.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/payments/")
    expect(page.locator("nav.menu")).to_be_hidden()
    page.get_by_test_id("menu-toggle").click()
    expect(page.get_by_test_id("menu-payment-batches")).to_be_visible()
    problems += _check(page, "menu-open", 390, screenshot)
    page.get_by_test_id("menu-payment-batches").click()
    expect(page).to_have_url(f"{live_server.url}/payments/batches/")
    assert not problems, "\n".join(problems)


def test_kontoer_actions_stay_in_view(page, live_server):
    """On a laptop and a desktop every column and the row's buttons fit; on a phone the table
    scrolls inside its card (the page itself does not) and the buttons are reached by scrolling."""
    _demo(live_server)
    login(page, live_server.url, "demo-admin")
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/settings/bank-accounts/")
        table = page.get_by_test_id("bank-account-list")
        card = page.locator("section.card", has=table)
        fits = card.evaluate("card => card.scrollWidth <= card.clientWidth")
        edit = page.get_by_test_id("edit-account").first
        if width >= 1366:
            assert fits, f"at {width}: the Kontoer table is wider than its card"
            expect(table.locator("th", has_text="Status")).to_be_in_viewport()
        else:
            edit.scroll_into_view_if_needed()
        expect(edit).to_be_in_viewport()
        box = edit.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"at {width}: Edit is off-screen ({box})"


@pytest.mark.parametrize("username", ["demo-admin", "demo-accountant", "demo-approver", "demo-readonly"])
def test_each_role_sees_a_one_row_header(page, live_server, username, screenshot):
    _demo(live_server)
    login(page, live_server.url, username)
    problems = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/")
        problems += _check(page, f"home-{username}", width, screenshot)
    # English labels are longer in places: the top bar still holds one row.
    page.set_viewport_size({"width": LAPTOP_SMALL, "height": 720})
    problems += _check(page, f"home-{username}", LAPTOP_SMALL, screenshot)
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for width in (1366, LAPTOP_SMALL):
        page.set_viewport_size({"width": width, "height": 720})
        problems += _check(page, f"home-{username}-en", width, screenshot)
    assert not problems, "\n".join(problems)


def test_the_banks_online_bank_form_shows_one_user_block_at_a_time(
    page, live_server, settings, banksim_url, sim, screenshot
):
    """DNB's online-bank application (banksim): the contact person's block, then one more block
    per "Legg til bruker", instead of five empty blocks and a 3,200 px page."""
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    _demo(live_server)
    login(page, live_server.url, "demo-admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/agreements/connect/")
    page.get_by_test_id("online-bank-start").click()
    page.wait_for_url(f"{banksim_url}/nettbankavtale/*/firma/")
    page.get_by_role("button", name="Neste").click()
    page.wait_for_url("**/brukere/")
    blocks = page.locator("fieldset.person")
    expect(blocks.filter(visible=True)).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollHeight") < 1300
    screenshot("layout-online-bank-users-1366")
    page.get_by_role("button", name="Legg til bruker").click()
    expect(blocks.filter(visible=True)).to_have_count(2)
    expect(page.locator("#id_users-1-name")).to_be_focused()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("layout-online-bank-users-390")
