"""Bank accounts and authorisations through the API, the services and the UI."""

import pytest
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.no import kontonr

from accounts.models import BankAccount
from accounts.services import (
    authorisation_create,
    bank_account_agreement_set,
    bank_account_create,
    bank_approval_rights_replace,
)
from bankint.account_numbers import clean_account_number
from bankint.errors import ValidationFailed
from companies.roles import Role
from companies.services import user_profile_update
from ledger.services import customer_create, invoice_create, invoice_settle

pytestmark = pytest.mark.django_db


def url(company, suffix=""):
    return f"/api/v1/companies/{company.pk}/bank-accounts/{suffix}"


def create(company, number="86011117947", **extra):
    fields = {"account_number": number, "name": "Driftskonto", "ledger_account": "1920", **extra}
    return bank_account_create(company, **fields)


# --- account numbers -----------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(body=st.text(alphabet="0123456789", min_size=10, max_size=10), sep=st.sampled_from(["", ".", " "]))
def test_every_valid_number_is_accepted_with_separators_and_others_refused(body, sep):
    # Registry number 0000 is no bank's: refused whatever its check digit (issue 21, item 13).
    valid = [body + d for d in "0123456789" if kontonr.is_valid(body + d) and body[:4] != "0000"]
    for number in valid:
        shown = f"{number[:4]}{sep}{number[4:6]}{sep}{number[6:]}"
        assert clean_account_number(shown) == number
    for d in "0123456789":
        if body + d not in valid:
            with pytest.raises(ValidationFailed) as exc:
                clean_account_number(body + d)
            assert "wrong check digit" in exc.value.message or body[:4] == "0000"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("86011117949", "wrong check digit (MOD11)"),
        ("8601111794", "has 11 digits; “8601111794” has 10"),
        ("860111179471", "has 12"),
        ("8601A117947", "digits only"),
        ("", "Enter the account number"),
    ],
)
def test_account_number_messages(value, message):
    with pytest.raises(ValidationFailed) as exc:
        clean_account_number(value)
    assert message in exc.value.message
    assert exc.value.fields["account_number"] == [exc.value.message]


# --- API ---------------------------------------------------------------------------------


def test_create_with_dots_stores_digits_and_derives_bank_and_iban(company_a, admin_a, api_for):
    response = api_for(admin_a).post(
        url(company_a),
        {
            "account_number": "1503.20.80119",
            "name": "Driftskonto",
            "ledger_account": "1920",
            "incoming_payment_methods": ["NETS_OCR"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["account_number"] == "15032080119"
    assert body["account_number_display"] == "1503.20.80119"
    assert body["bank_name"] == "DNB"
    assert body["iban"] == kontonr.to_iban("15032080119")
    assert body["fee_account"] == "7770" and body["currency"] == "NOK"
    assert body["approval_mode"] == "POST_APPROVAL"
    assert body["agreement_id"] == ""


def test_unknown_bank_is_other_bank_but_allowed(company_a):
    number = next(f"4000000000{d}" for d in "0123456789" if kontonr.is_valid(f"4000000000{d}"))
    account = create(company_a, number)
    assert account.bank_name == "Other bank"
    with translation.override("nb"):
        assert account.bank_name == "Annen bank"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"account_number": "86011117949"}, "account_number", "wrong check digit"),
        ({"account_number": "860111179"}, "account_number", "has 9"),
        ({"account_number": "86O1111794X"}, "account_number", "digits only"),
        ({"ledger_account": "3000"}, "ledger_account", "1900 to 1999"),
        ({"fee_account": "7771"}, "fee_account", "not in the chart of accounts"),
        (
            {"incoming_payment_methods": ["CASH"]},
            "incoming_payment_methods",
            "Unknown incoming payment method",
        ),
        ({"approval_mode": "SOMETIMES"}, "approval_mode", "RgB or post-approval"),
        ({"agreement_id": "X"}, "agreement_id", "Unknown field"),
        # a new account is active; was a 500 (found by the API fuzzing)
        ({"is_active": False}, "is_active", "Unknown field"),
    ],
)
def test_bad_input_is_400_with_field_errors(company_a, admin_a, api_for, payload, field, message):
    data = {"account_number": "86011117947", "name": "Drift", "ledger_account": "1920", **payload}
    response = api_for(admin_a).post(url(company_a), data, format="json", HTTP_ACCEPT_LANGUAGE="en")
    client = api_for(admin_a)
    client.cookies["django_language"] = "en"
    response = client.post(url(company_a), data, format="json")
    assert response.status_code == 400, response.content
    assert any(message in m for m in response.json()["fields"][field]), response.json()
    assert not BankAccount.objects.exists()


def test_messages_are_norwegian_by_default(company_a, admin_a, api_for):
    data = {"account_number": "86011117949", "name": "Drift", "ledger_account": "1920"}
    response = api_for(admin_a).post(url(company_a), data, format="json")
    assert response.status_code == 400
    assert "feil kontrollsiffer" in response.json()["fields"]["account_number"][0]


def test_duplicate_account_is_refused(company_a, admin_a, api_for):
    create(company_a)
    response = api_for(admin_a).post(
        url(company_a),
        {"account_number": "8601 11 17947", "name": "Igjen", "ledger_account": "1950"},
        format="json",
    )
    assert response.status_code == 400
    assert (
        "already registered" in response.json()["fields"]["account_number"][0]
        or "allerede" in (response.json()["fields"]["account_number"][0])
    )


def test_same_number_in_two_companies_is_fine(company_a, company_b):
    create(company_a)
    assert create(company_b).company == company_b


def test_update_keeps_agreement_fields_and_number_read_only(company_a, admin_a, api_for):
    account = create(company_a)
    bank_account_agreement_set(account, agreement_id="A-1", division_name="DIV", division_number="42")
    client = api_for(admin_a)
    response = client.patch(url(company_a, f"{account.pk}/"), {"name": "Ny"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Ny"
    assert response.json()["agreement_id"] == "A-1"
    for field in ("agreement_id", "division_name", "account_number"):
        response = client.patch(url(company_a, f"{account.pk}/"), {field: "X"}, format="json")
        assert response.status_code == 400 and field in response.json()["fields"]
    account.refresh_from_db()
    assert (account.agreement_id, account.division_number, account.account_number) == (
        "A-1",
        "42",
        "86011117947",
    )


def test_rgb_is_refused_when_the_bank_requires_dual_approval(company_a, admin_a, api_for):
    account = create(company_a)
    bank_account_agreement_set(account, dual_approval_required=True)
    response = api_for(admin_a).patch(
        url(company_a, f"{account.pk}/"), {"approval_mode": "RGB"}, format="json"
    )
    assert response.status_code == 400
    assert "dual approval" in response.json()["fields"]["approval_mode"][0] or "dobbel" in (
        response.json()["fields"]["approval_mode"][0].lower()
    )


def test_deactivate_and_delete_rules(company_a, admin_a, api_for):
    client = api_for(admin_a)
    unused = create(company_a, "15032080127", ledger_account="1950")
    assert client.delete(url(company_a, f"{unused.pk}/")).status_code == 204
    used = create(company_a)
    customer = customer_create(company_a, name="Kunde AS")
    invoice = invoice_create(company_a, customer_id=customer.pk, amount="100.00")
    invoice_settle(company_a, invoice, "100.00", bank_account=used)
    response = client.delete(url(company_a, f"{used.pk}/"))
    assert response.status_code == 409
    assert "deactivate" in response.json()["detail"] or "deaktiver" in response.json()["detail"]
    response = client.post(url(company_a, f"{used.pk}/deactivate/"))
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert [a["id"] for a in client.get(url(company_a) + "?active=true").json()["results"]] == []


def test_read_only_member_cannot_write(company_a, make_user, api_for):
    reader = make_user("reader", company=company_a, roles=[Role.READ_ONLY])
    account = create(company_a)
    client = api_for(reader)
    assert client.get(url(company_a)).status_code == 200
    assert client.post(url(company_a), {"account_number": "15032080119"}, format="json").status_code == 403
    assert client.patch(url(company_a, f"{account.pk}/"), {"name": "x"}, format="json").status_code == 403


# --- authorisations ------------------------------------------------------------------------


def test_authorisation_for_another_companys_account_is_refused(
    company_a, company_b, admin_a, make_user, api_for
):
    approver = make_user("appr", company=company_a, roles=[Role.APPROVER])
    theirs = create(company_b)
    client = api_for(admin_a)
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/api/v1/companies/{company_a.pk}/authorisations/",
        {"bank_account": theirs.pk, "user": approver.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["bank_account"] == [
        f"Bank account #{theirs.pk} is not one of this company's accounts."
    ]


def test_authorisation_needs_an_approver_and_shows_the_bank_mirror(company_a, admin_a, make_user, api_for):
    account = create(company_a)
    approver = make_user("appr", company=company_a, roles=[Role.APPROVER])
    reader = make_user("reader", company=company_a, roles=[Role.READ_ONLY])
    with pytest.raises(ValidationFailed, match="approver role"):
        authorisation_create(company_a, bank_account_id=account.pk, user_id=reader.pk)
    client = api_for(admin_a)
    base = f"/api/v1/companies/{company_a.pk}/authorisations/"
    response = client.post(base, {"bank_account": account.pk, "user": approver.pk}, format="json")
    assert response.status_code == 201 and response.json()["in_bank"] is False
    assert (
        client.post(base, {"bank_account": account.pk, "user": approver.pk}, format="json").status_code == 400
    )
    user_profile_update(user=approver, bank_user_id="TB12345")
    bank_approval_rights_replace(account, ["tb12345"], fetched_at=timezone.now())
    assert client.get(base).json()["results"][0]["in_bank"] is True
    auth_id = response.json()["id"]
    assert client.delete(f"{base}{auth_id}/").status_code == 204


# --- UI ------------------------------------------------------------------------------------


def test_kontoer_tab_adds_an_account_and_shows_errors(client, company_a, admin_a):
    client.force_login(admin_a)
    page = client.get("/settings/bank-accounts/")
    assert page.status_code == 200 and b"add-account-form" in page.content
    bad = client.post(
        "/settings/bank-accounts/add/",
        {
            "account_number": "86011117949",
            "name": "Drift",
            "ledger_account": "1920",
            "fee_account": "7770",
            "approval_mode": "POST_APPROVAL",
        },
    )
    assert bad.status_code == 400
    assert "feil kontrollsiffer" in bad.content.decode()
    ok = client.post(
        "/settings/bank-accounts/add/",
        {
            "account_number": "8601.11.17947",
            "name": "Drift",
            "ledger_account": "1920",
            "fee_account": "7770",
            "approval_mode": "POST_APPROVAL",
            "incoming_payment_methods": ["NETS_OCR"],
        },
    )
    assert ok.status_code == 302
    account = BankAccount.objects.get(company=company_a)
    assert account.account_number == "86011117947" and account.has_nets_ocr
    listing = client.get("/settings/bank-accounts/").content.decode()
    assert "8601.11.17947" in listing and "Annen bank" in listing
    dup = client.post(
        "/settings/bank-accounts/add/",
        {
            "account_number": "86011117947",
            "name": "Igjen",
            "ledger_account": "1950",
            "fee_account": "7770",
            "approval_mode": "POST_APPROVAL",
        },
    )
    assert dup.status_code == 400 and "allerede registrert" in dup.content.decode()
    edit = client.post(
        f"/settings/bank-accounts/{account.pk}/edit/",
        {
            "name": "Hovedkonto",
            "ledger_account": "1920",
            "fee_account": "7770",
            "approval_mode": "POST_APPROVAL",
        },
    )
    assert edit.status_code == 302
    assert client.post(f"/settings/bank-accounts/{account.pk}/deactivate/").status_code == 302
    account.refresh_from_db()
    assert account.name == "Hovedkonto" and not account.is_active


def test_read_only_user_sees_no_edit_buttons_and_gets_403(client, company_a, make_user):
    reader = make_user("reader", company=company_a, roles=[Role.READ_ONLY])
    account = create(company_a)
    client.force_login(reader)
    page = client.get("/settings/bank-accounts/").content.decode()
    assert "8601.11.17947" in page and "add-account-form" not in page and "edit-account" not in page
    assert client.post("/settings/bank-accounts/add/", {}).status_code == 403
    assert client.post(f"/settings/bank-accounts/{account.pk}/deactivate/").status_code == 403
    assert client.post(f"/settings/bank-accounts/{account.pk}/edit/", {"name": "x"}).status_code == 403


def test_avtaler_tab_has_the_bank_cards(client, company_a, admin_a):
    client.force_login(admin_a)
    page = client.get("/settings/bank-accounts/?tab=agreements").content.decode()
    assert 'data-testid="connect-dnb"' in page and 'data-testid="connect-sbanken"' in page
    # both cards lead into the agreements flow (issue 5)
    assert 'href="/agreements/connect/setup/"' in page
    assert 'href="/agreements/connect/setup/?bank=SBANKEN"' in page
    assert "S'banken bedrift" in page or "S&#x27;banken bedrift" in page
    assert "Finner du ikke banken din her?" in page
    assert "Bestill bankintegrasjon på nett" in page


def test_autorisasjoner_tab_flags_a_mismatch_with_the_bank(client, company_a, admin_a, make_user):
    account = create(company_a)
    approver = make_user("appr", company=company_a, roles=[Role.APPROVER], first_name="Stian", last_name="S")
    client.force_login(admin_a)
    response = client.post(
        "/settings/bank-accounts/authorisations/add/", {"bank_account": account.pk, "user": approver.pk}
    )
    assert response.status_code == 302
    page = client.get("/settings/bank-accounts/?tab=authorisations").content.decode()
    assert "Stian S" in page and "authorisation-mismatch" not in page  # nothing fetched yet
    bank_approval_rights_replace(account, ["TB99999"])
    page = client.get("/settings/bank-accounts/?tab=authorisations").content.decode()
    assert 'data-testid="authorisation-mismatch"' in page
    assert "AG08" in page and "TB99999" in page


def test_authorisation_ui_refuses_another_companys_account(client, company_a, company_b, admin_a, make_user):
    approver = make_user("appr", company=company_a, roles=[Role.APPROVER])
    theirs = create(company_b)
    client.force_login(admin_a)
    response = client.post(
        "/settings/bank-accounts/authorisations/add/", {"bank_account": theirs.pk, "user": approver.pk}
    )
    assert response.status_code == 400
    assert "er ikke en av selskapets kontoer" in response.content.decode()


def test_support_admin_shows_accounts_read_only(client, company_a, make_user):
    from django.contrib.auth.models import Permission

    account = create(company_a)
    bank_account_agreement_set(account, agreement_id="A-77")
    staff = make_user("support", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_bankaccount", "view_voucher"]))
    client.force_login(staff)
    listing = client.get("/admin/accounts/bankaccount/")
    assert listing.status_code == 200 and "A-77" in listing.content.decode()
    detail = client.get(f"/admin/accounts/bankaccount/{account.pk}/change/")
    assert detail.status_code == 200 and 'name="agreement_id"' not in detail.content.decode()
    assert client.post(f"/admin/accounts/bankaccount/{account.pk}/change/", {"name": "x"}).status_code == 403
    assert client.get("/admin/ledger/voucher/").status_code == 200
