"""The bank's pages: Opprett nettbankavtale, RgB ordering and BankID, with their messages.

Each validation message is asserted as the user would read it, because the portal's help
texts point users at these pages and a demo walks through them.
"""

import re

import pytest

from banksim.models import Account, BankUser, Customer, OnlineBankApplication, RgbOrder, SigningSession
from banksim.tests.conftest import DRIFT, SKATT

FNR = "15108695088"


def user_form(prefix, n, **fields):
    base = {
        "nationality": "Norsk",
        "name": f"Person {n}",
        "national_id": FNR,
        "email": f"p{n}@example.no",
        "country_code": "+47",
        "mobile": "91234567",
        "role": "Administrator med bestillerfullmakt" if n == 0 else "Bruker",
    } | fields
    return {f"{prefix}-{n}-{k}": v for k, v in base.items()}


def users_post(*users):
    data = {"users-TOTAL_FORMS": str(len(users)), "users-INITIAL_FORMS": "0"}
    for n, fields in enumerate(users):
        data |= user_form("users", n, **fields)
    return data


def test_blank_extra_user_forms_as_a_browser_posts_them_are_ignored(bank):
    """The page offers five user forms; a browser posts the blank ones with the selects' defaults."""
    _body, base = start_application(bank)
    bank.client.post(
        base + "firma/",
        {"org_number": "974760673", "company_name": "Ny Kunde AS", "subscription": "integrated"},
    )
    page = bank.client.get(base + "brukere/").content.decode()
    assert page.count('name="users-4-role"') == 1
    data = {"users-TOTAL_FORMS": "5", "users-INITIAL_FORMS": "0"} | user_form("users", 0)
    for n in range(1, 5):  # what Chromium sends for an untouched form
        data |= {
            f"users-{n}-nationality": "Norsk",
            f"users-{n}-name": "",
            f"users-{n}-national_id": "",
            f"users-{n}-email": "",
            f"users-{n}-country_code": "+47",
            f"users-{n}-mobile": "",
            f"users-{n}-role": "Bruker",
        }
    response = bank.client.post(base + "brukere/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def start_application(bank):
    response = bank.post(
        "/api/v1/online-bank-applications", {"org_number": "974760673", "company_name": "Ny Kunde AS"}
    )
    assert response.status_code == 201
    body = response.json()
    return body, body["url"].replace("http://127.0.0.1:8001", "").replace("firma/", "")


def test_online_bank_application_with_bankid_end_to_end(bank):
    body, base = start_application(bank)
    page = bank.client.get(base + "firma/").content.decode()
    assert "Opprett nettbankavtale" in page and "Firma" in page
    assert "ugyldig kontrollsiffer" not in page
    bad = bank.client.post(
        base + "firma/",
        {"org_number": "974760674", "company_name": "Ny Kunde AS", "subscription": "integrated"},
    )
    assert "Organisasjonsnummeret må ha 9 siffer og gyldig kontrollsiffer." in bad.content.decode()
    assert (
        bank.client.post(
            base + "firma/",
            {"org_number": "974760673", "company_name": "Ny Kunde AS", "subscription": "integrated"},
        ).status_code
        == 302
    )
    assert bank.client.post(base + "brukere/", users_post({}, {"role": "Bruker"})).status_code == 302
    bekreft = bank.client.get(base + "bekreft/").content.decode()
    assert FNR not in bekreft and "151086 *****" in bekreft
    no_terms = bank.client.post(base + "bekreft/", {"signing_method": "bankid"})
    assert "Du må godta vilkårene for å fortsette." in no_terms.content.decode()
    assert bank.client.post(base + "bekreft/", {"signing_method": "bankid", "terms": "on"}).status_code == 302
    status = lambda: bank.get(f"/api/v1/online-bank-applications/{body['id']}").json()  # noqa: E731
    assert status()["status"] == "RECEIVED"
    bank.advance(seconds=3600)
    assert status()["status"] == "READY_FOR_SIGNING"
    sign = bank.client.post(base + "kvittering/")
    assert sign.status_code == 302 and "/bankid/" in sign["Location"]
    assert bank.client.post(sign["Location"], {"otp": "000000", "action": "confirm"}).status_code == 400
    bank.client.post(sign["Location"], {"otp": "123456", "action": "confirm"})
    signed = status()
    assert signed["status"] == "SIGNED"
    assert signed["bank_created_date"] == "2026-03-03"  # next working day after Monday 2 March
    assert FNR not in str(signed) and signed["contact"]["national_id"] == "151086 *****"
    bank.advance(days=1)
    created = status()
    assert created["status"] == "CREATED" and len(created["created_users"]) == 2
    customer = Customer.objects.get(org_number="974760673")
    assert customer.subscription == "integrated"
    assert all(re.fullmatch(r"TB\d{5}", u.user_id) for u in customer.users.all())
    types = [e["data"]["status"] for e in bank.events() if e["type"] == "online_bank_application.updated"]
    assert types == ["DRAFT", "RECEIVED", "READY_FOR_SIGNING", "SIGNED", "CREATED"]
    assert FNR not in str(bank.events())


def test_signed_on_friday_is_created_on_monday(bank):
    bank.advance(days=4)  # Friday 6 March
    body, base = start_application(bank)
    bank.client.post(
        base + "firma/",
        {"org_number": "974760673", "company_name": "Ny Kunde AS", "subscription": "integrated"},
    )
    bank.client.post(base + "brukere/", users_post({}))
    bank.client.post(base + "bekreft/", {"signing_method": "bankid", "terms": "on"})
    bank.advance(seconds=3600)
    location = bank.client.post(base + "kvittering/")["Location"]
    bank.client.post(location, {"otp": "123456", "action": "confirm"})
    assert (
        bank.get(f"/api/v1/online-bank-applications/{body['id']}").json()["bank_created_date"] == "2026-03-09"
    )


def test_print_and_sign(bank):
    body, base = start_application(bank)
    bank.client.post(
        base + "firma/",
        {"org_number": "974760673", "company_name": "Ny Kunde AS", "subscription": "integrated"},
    )
    bank.client.post(base + "brukere/", users_post({"nationality": "Svensk", "national_id": ""}))
    bank.client.post(base + "bekreft/", {"signing_method": "print", "terms": "on"})
    bank.advance(seconds=3600)
    assert "utskrift" in bank.client.get(base + "kvittering/").content.decode()
    assert "Signatur" in bank.client.get(base + "utskrift/").content.decode()
    bank.advance(days=2)  # the paper arrives by post
    assert bank.get(f"/api/v1/online-bank-applications/{body['id']}").json()["status"] in (
        "SIGNED",
        "CREATED",
    )
    bank.advance(days=1)
    assert OnlineBankApplication.objects.get(pk=body["id"]).status == "CREATED"


def test_user_page_validations(bank):
    _, base = start_application(bank)
    bank.client.post(
        base + "firma/",
        {"org_number": "974760673", "company_name": "Ny Kunde AS", "subscription": "integrated"},
    )
    cases = [
        (users_post({"national_id": ""}), "Fødselsnummer er påkrevd for norske statsborgere."),
        (users_post({"national_id": "15108695077"}), "Fødselsnummeret er ugyldig."),
        (users_post({"email": "ikke-epost"}), "E-postadressen er ugyldig."),
        (users_post({"country_code": "47"}), "Landkoden må skrives som + og 1–3 siffer, f.eks. +47."),
        (users_post({"mobile": "1234"}), "Mobilnummeret er ugyldig (8 siffer for +47)."),
        (
            users_post({"role": "Bruker"}),
            "Kontaktpersonen må ha rollen «Administrator med bestillerfullmakt».",
        ),
        (users_post(*[{} for _ in range(6)]), "Du kan registrere høyst 5 brukere."),
        (users_post({"name": ""}), "Oppgi navn."),
    ]
    for data, message in cases:
        response = bank.client.post(base + "brukere/", data)
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
        assert FNR not in response.content.decode().replace(f'value="{FNR}"', "")
    ok = bank.client.post(
        base + "brukere/",
        users_post({"nationality": "Annen", "national_id": "", "country_code": "+46", "mobile": "701234567"}),
    )
    assert ok.status_code == 302


def test_rgb_ordering_pages(demo):
    demo.sim(
        "/sim/customers",
        {
            "org_number": "987654325",
            "name": "Demo Klient AS",
            "subscription": "integrated",
            "dual_approval": True,
        },
    )
    order = demo.post("/api/v1/rgb-orders", {"org_number": "123456785", "accounts": [DRIFT]}).json()
    base = order["url"].replace("http://127.0.0.1:8001", "")
    fnr_login = demo.client.post(base, {"user_id": FNR})
    assert "Logg inn med bruker-ID (f.eks. TB12345), ikke fødselsnummer." in fnr_login.content.decode()
    assert FNR not in fnr_login.content.decode().replace(f'value="{FNR}"', "")
    assert "Ukjent bruker-ID." in demo.client.post(base, {"user_id": "TB99999"}).content.decode()
    assert demo.client.post(base, {"user_id": "tb12345"}).status_code == 302
    choose = demo.client.get(base + "bestilling/").content.decode()
    for vendor in (
        "24SevenOffice",
        "PowerOffice GO",
        "Tripletex",
        "Visma.net AutoPay",
        "Xledger",
        "ZData",
        "Zirius",
    ):
        assert vendor in choose
    assert "Visma eAccounting (støttes ikke)" in choose
    assert "Demo Klient AS" in choose  # the accountant picks among its clients
    refused = demo.client.post(base + "bestilling/", {"vendor": "Visma eAccounting", "client": "123456785"})
    assert "Visma eAccounting støttes ikke" in refused.content.decode()
    assert (
        demo.client.post(
            base + "bestilling/", {"vendor": "PowerOffice GO", "client": "123456785"}
        ).status_code
        == 302
    )
    assert demo.client.post(base + "kontoer/", {"accounts": [DRIFT, SKATT]}).status_code == 302
    result = demo.get(f"/api/v1/rgb-orders/{order['id']}").json()
    assert result["status"] == "CONFIRMED" and {r["status"] for r in result["results"]} == {"enabled"}
    assert Account.objects.get(number=SKATT).rgb_enabled


def test_rgb_refused_for_dual_approval_client(demo):
    demo.sim(
        "/sim/customers",
        {
            "org_number": "987654325",
            "name": "Demo Klient AS",
            "subscription": "integrated",
            "dual_approval": True,
        },
    )
    response = demo.client.get("/rgb/ny/")
    base = response["Location"]
    demo.client.post(base, {"user_id": "TB12345"})
    demo.client.post(base + "bestilling/", {"vendor": "Tripletex", "client": "987654325"})
    page = demo.client.get(base + "kontoer/").content.decode()
    assert "dobbel godkjenning" in page
    demo.client.post(base + "kontoer/", {"accounts": ["15032080135"]})
    order_id = RgbOrder.objects.get(token=base.strip("/").split("/")[-1]).pk
    order = demo.get(f"/api/v1/rgb-orders/{order_id}").json()
    [result] = order["results"]
    assert (result["status"], result["code"]) == ("refused", "dual_approval_required")
    assert "ettergodkjenning i nettbank" in result["message"]
    assert not Account.objects.get(number="15032080135").rgb_enabled


def test_bankid_session_states(bank):
    started = bank.post(
        "/api/v1/signing-sessions", {"name": "Kari", "text": "Godkjenn bunt 7", "national_id": FNR}
    )
    body = started.json()
    assert (
        started.status_code == 201 and body["status"] == "PENDING" and body["national_id"] == "151086 *****"
    )
    assert FNR not in started.content.decode()
    path = body["url"].replace("http://127.0.0.1:8001", "")
    page = bank.client.get(path).content.decode()
    assert "Godkjenn bunt 7" in page and "123456" in page and FNR not in page
    bank.client.post(path, {"action": "cancel"})
    assert bank.get(f"/api/v1/signing-sessions/{body['id']}").json()["status"] == "CANCELLED"
    again = bank.post("/api/v1/signing-sessions", {"name": "Kari", "text": "x"}).json()
    bank.advance(seconds=299)
    assert bank.get(f"/api/v1/signing-sessions/{again['id']}").json()["status"] == "PENDING"
    bank.advance(seconds=1)
    assert bank.get(f"/api/v1/signing-sessions/{again['id']}").json()["status"] == "EXPIRED"
    invalid = bank.post(
        "/api/v1/signing-sessions", {"name": "Kari", "text": "x", "national_id": "15108695077"}
    )
    assert invalid.json()["code"] == "invalid_national_id" and "15108695077" not in invalid.content.decode()
    assert SigningSession.objects.filter(national_id_masked__contains="1510869").count() == 0
    assert BankUser.objects.count() == 0


PORTAL = "http://127.0.0.1:8000"


def test_bankid_and_order_receipt_link_back_to_the_erp(bank, demo):
    back = f"{PORTAL}/payments/batches/7/"
    body = bank.post(
        "/api/v1/signing-sessions", {"name": "Kari", "text": "Godkjenn", "return_url": back}
    ).json()
    path = body["url"].replace("http://127.0.0.1:8001", "")
    assert back not in bank.client.get(path).content.decode()  # no way back before answering
    signed = bank.client.post(path, {"action": "confirm", "otp": "123456"}).content.decode()
    assert f'href="{back}"' in signed
    assert "<td>Signert</td>" in signed and "COMPLETE" not in signed
    refused = bank.post(
        "/api/v1/signing-sessions", {"name": "K", "text": "x", "return_url": "javascript:alert(1)"}
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_return_url"

    order_back = f"{PORTAL}/agreements/orders/3/return/"
    order = bank.post(
        "/api/v1/service-orders",
        {
            "org_number": "123456785",
            "accounts": [DRIFT],
            "services": ["remittance"],
            "return_url": order_back,
        },
    ).json()
    wizard = order["wizard_url"].replace("http://127.0.0.1:8001", "")
    for step in (wizard, wizard + "kontofullmakt/", wizard + "kvittering/"):
        assert f'href="{order_back}"' in bank.client.get(step).content.decode(), step


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/agreements/orders/3/return/",
        "https://127.0.0.1:8000/x/",  # another scheme is another origin
        "http://127.0.0.1.evil.example/x/",
        "http://user@evil.example@127.0.0.1:8000/x/",
    ],
)
def test_a_return_url_off_the_partners_registered_origins_is_refused(bank, demo, url):
    """No open redirect: the bank's "back" link only ever leads to the registered portal."""
    for path, data in [
        (
            "/api/v1/service-orders",
            {"org_number": "123456785", "accounts": [DRIFT], "services": ["remittance"]},
        ),
        ("/api/v1/signing-sessions", {"name": "K", "text": "x"}),
        ("/api/v1/online-bank-applications", {}),
        ("/api/v1/rgb-orders", {}),
    ]:
        answer = bank.post(path, {**data, "return_url": url})
        assert answer.status_code == 400, (path, answer.content)
        assert answer.json()["code"] in ("invalid_return_url", "return_url_not_registered")


def test_a_loopback_portal_may_come_back_on_any_port(bank, demo, settings):
    """RFC 8252 7.3: a loopback origin is registered without its port (test servers)."""
    settings.BANKSIM_RETURN_URL_ORIGINS = ["http://localhost:8000", "https://erp.example"]
    ok = bank.post(
        "/api/v1/signing-sessions", {"name": "K", "text": "x", "return_url": "http://localhost:41234/b/"}
    )
    assert ok.status_code == 201
    assert (
        bank.post(
            "/api/v1/signing-sessions", {"name": "K", "text": "x", "return_url": "https://erp.example/b/"}
        ).status_code
        == 201
    )
    assert (
        bank.post(
            "/api/v1/signing-sessions",
            {"name": "K", "text": "x", "return_url": "https://erp.example:8443/b/"},
        ).json()["code"]
        == "return_url_not_registered"
    )


def test_every_page_of_the_online_bank_application_leads_back_and_bankid_returns(bank):
    back = f"{PORTAL}/agreements/online-bank/1/return/"
    body = bank.post(
        "/api/v1/online-bank-applications",
        {"org_number": "974760673", "company_name": "Ny Kunde AS", "return_url": back},
    ).json()
    base = body["url"].replace("http://127.0.0.1:8001", "")
    assert base.endswith("/firma/")
    link = f'href="{back}"'
    assert link in bank.client.get(base).content.decode()
    bank.client.post(
        base, {"org_number": "974760673", "company_name": "Ny Kunde AS", "subscription": "integrated"}
    )
    base = base.removesuffix("firma/")
    assert link in bank.client.get(base + "brukere/").content.decode()
    bank.client.post(base + "brukere/", users_post({}))
    status = lambda: bank.get(f"/api/v1/online-bank-applications/{body['id']}").json()  # noqa: E731
    assert status()["url"].endswith("/bekreft/")  # "Continue at DNB" goes where the user left off
    assert link in bank.client.get(base + "bekreft/").content.decode()
    bank.client.post(base + "bekreft/", {"signing_method": "bankid", "terms": "on"})
    assert status()["url"].endswith("/kvittering/")
    receipt = bank.client.get(base + "kvittering/").content.decode()
    assert link in receipt and "Mottatt" in receipt and "RECEIVED" not in receipt
    bank.advance(seconds=3600)
    sign = bank.client.post(base + "kvittering/")
    signed = bank.client.post(sign["Location"], {"otp": "123456", "action": "confirm"}).content.decode()
    assert link in signed and "<td>Signert</td>" in signed and "COMPLETE" not in signed


def test_every_rgb_page_leads_back_and_the_receipt_too(demo):
    back = f"{PORTAL}/agreements/rgb/1/return/"
    order = demo.post(
        "/api/v1/rgb-orders", {"org_number": "123456785", "accounts": [DRIFT], "return_url": back}
    ).json()
    base = order["url"].replace("http://127.0.0.1:8001", "")
    link = f'href="{back}"'
    assert link in demo.client.get(base).content.decode()
    demo.client.post(base, {"user_id": "TB12345"})
    url = lambda: demo.get(f"/api/v1/rgb-orders/{order['id']}").json()["url"]  # noqa: E731
    assert url().endswith("/bestilling/")
    assert link in demo.client.get(base + "bestilling/").content.decode()
    demo.client.post(base + "bestilling/", {"vendor": "PowerOffice GO", "client": "123456785"})
    assert url().endswith("/kontoer/")
    assert link in demo.client.get(base + "kontoer/").content.decode()
    demo.client.post(base + "kontoer/", {"accounts": [DRIFT]})
    assert url().endswith("/kvittering/")
    receipt = demo.client.get(base + "kvittering/").content.decode()
    assert link in receipt and "Status: Bekreftet" in receipt and "CONFIRMED" not in receipt
    assert "1503.20.80119" in receipt
