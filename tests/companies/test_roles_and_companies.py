import pytest

from bankint.errors import ValidationFailed
from companies.models import Company
from companies.roles import Perm, Role, perms_for
from companies.selectors import company_admin_users, company_get_for_user, user_perms
from companies.services import company_create


def test_role_policy_table():
    assert perms_for([Role.READ_ONLY]) == {Perm.VIEW}
    assert Perm.APPROVE_PAYMENTS in perms_for([Role.APPROVER])
    assert Perm.MANAGE_BANK not in perms_for([Role.APPROVER])
    # Preparing and approving are separate roles (four eyes), unless a person holds both.
    assert Perm.APPROVE_PAYMENTS not in perms_for([Role.SYSADMIN])
    assert Perm.APPROVE_PAYMENTS not in perms_for([Role.ACCOUNTANT])
    assert {Perm.MANAGE_BANK, Perm.APPROVE_PAYMENTS} <= perms_for([Role.SYSADMIN, Role.APPROVER])


def test_roles_are_per_company(make_user, company_a, company_b):
    user = make_user("multi", company=company_a, roles=[Role.ACCOUNTANT])
    assert Perm.MANAGE_BANK in user_perms(user, company_a)
    assert user_perms(user, company_b) == frozenset()


def test_company_gate_hides_other_companies(make_user, company_a, company_b):
    from django.http import Http404

    user = make_user("gate", company=company_a, roles=[Role.READ_ONLY])
    assert company_get_for_user(user, company_a.pk) == company_a
    for bad in (company_b.pk, "abc", None, 10**12):
        with pytest.raises(Http404):
            company_get_for_user(user, bad)


def test_admin_audience_is_sysadmins_and_accountants(make_user, company_a):
    admin = make_user("sys", company=company_a, roles=[Role.SYSADMIN])
    accountant = make_user("acc", company=company_a, roles=[Role.ACCOUNTANT])
    make_user("appr", company=company_a, roles=[Role.APPROVER])
    make_user("ro", company=company_a, roles=[Role.READ_ONLY])
    assert set(company_admin_users(company_a)) == {admin, accountant}


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["123456784", "12345678", "12345678A", ""])
def test_company_org_number_is_validated(value):
    with pytest.raises(ValidationFailed) as exc:
        company_create(name="X", org_number=value)
    assert "org_number" in exc.value.fields
    assert not Company.objects.exists()


@pytest.mark.django_db
def test_company_org_number_accepts_spaces_and_refuses_duplicates():
    company = company_create(name="Spaced AS", org_number="123 456 785")
    assert company.org_number == "123456785"
    with pytest.raises(ValidationFailed, match="already exists"):
        company_create(name="Again AS", org_number="123456785")
