"""Every write to companies, memberships, profiles and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.no import fodselsnummer, orgnr

from bankint import context
from bankint.errors import ValidationFailed
from bankint.personal import mask_fodselsnummer

from .models import AuditEvent, Company, Membership, UserProfile
from .roles import Role


def _audit_event(
    action: str, obj, company, changes: dict | None, actor, object_repr: str | None
) -> AuditEvent:
    """An unsaved audit row, stamped with who acts and from where (the actor context)."""
    ctx = context.current()
    if company is None and obj is not None:
        company = obj if isinstance(obj, Company) else getattr(obj, "company", None)
    return AuditEvent(
        company=company,
        actor_id=getattr(actor, "pk", None) if actor is not None else ctx.user_id,
        actor_label=(actor.get_username() if actor is not None else ctx.username) or "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        changes=changes or {},
        source=ctx.source,
        ip=ctx.ip,
        request_id=ctx.request_id if ctx.request_id != "-" else "",
    )


def audit_events_build(action: str, objs, changes_by_pk: dict | None = None) -> list[AuditEvent]:
    """Unsaved rows for many objects at once, for callers that insert a page of them in one query."""
    return [_audit_event(action, obj, None, (changes_by_pk or {}).get(obj.pk), None, None) for obj in objs]


def audit_record(
    action: str,
    *,
    obj: Any = None,
    company: Company | None = None,
    changes: dict | None = None,
    actor=None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one row to the audit trail; actor, address and request id come from the context."""
    event = _audit_event(action, obj, company, changes, actor, object_repr)
    event.save()
    return event


def clean_org_number(value: str) -> str:
    digits = orgnr.compact(value or "")
    if not orgnr.is_valid(digits):
        raise ValidationFailed(
            _("%(value)s is not a valid organisation number (9 digits, MOD11).") % {"value": value},
            fields={"org_number": [_("Invalid organisation number.")]},
        )
    if set(digits) == {"0"}:
        # 000000000 passes MOD11 (0 is its own check digit) but names no organisation.
        raise ValidationFailed(
            _("%(value)s is not an organisation number that exists.") % {"value": value},
            fields={"org_number": [_("Invalid organisation number.")]},
        )
    return digits


@transaction.atomic
def company_create(
    *, name: str, org_number: str, address_line: str = "", postal_code: str = "", city: str = ""
) -> Company:
    org = clean_org_number(org_number)
    if Company.objects.filter(org_number=org).exists():
        raise ValidationFailed(
            _("A company with organisation number %(org)s already exists.") % {"org": org},
            code="duplicate",
            fields={"org_number": [_("Already registered.")]},
        )
    company = Company.objects.create(
        name=name.strip(), org_number=org, address_line=address_line, postal_code=postal_code, city=city
    )
    audit_record("company.create", obj=company, changes={"after": {"name": company.name, "org_number": org}})
    return company


@transaction.atomic
def membership_grant(*, company: Company, user, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(
            _("Unknown role %(role)s.") % {"role": role}, fields={"role": [_("Unknown role.")]}
        )
    membership, created = Membership.objects.get_or_create(company=company, user=user, role=role)
    if created:
        audit_record(
            "membership.grant",
            obj=membership,
            company=company,
            changes={"after": {"user": user.get_username(), "role": role}},
        )
    return membership


@transaction.atomic
def membership_revoke(*, company: Company, user, role: str) -> int:
    deleted, _rows = Membership.objects.filter(company=company, user=user, role=role).delete()
    if deleted:
        audit_record(
            "membership.revoke",
            company=company,
            object_repr=f"{user.get_username()} · {role}",
            changes={"before": {"user": user.get_username(), "role": role}},
        )
    return deleted


@transaction.atomic
def user_profile_update(
    *, user, national_id: str | None = None, mobile: str | None = None, bank_user_id: str | None = None
) -> UserProfile:
    profile, _created = UserProfile.objects.select_for_update().get_or_create(user=user)
    changed: list[str] = []
    if national_id is not None:
        number = fodselsnummer.compact(national_id)
        if number and not fodselsnummer.is_valid(number):
            raise ValidationFailed(
                _("The national identity number is not valid (11 digits with two check digits)."),
                fields={"national_id": [_("Invalid national identity number.")]},
            )
        profile.national_id = number
        changed.append("national_id")
    if mobile is not None:
        profile.mobile = mobile.strip()
        changed.append("mobile")
    if bank_user_id is not None:
        profile.bank_user_id = bank_user_id.strip().upper()
        changed.append("bank_user_id")
    profile.save()
    # The audit row names the fields, never the personal values.
    audit_record(
        "user_profile.update", obj=profile, object_repr=user.get_username(), changes={"fields": changed}
    )
    return profile


def user_national_id_use(user, *, purpose: str, company: Company | None = None, obj: Any = None) -> str:
    """The one door to a person's fødselsnummer in clear text; every read leaves an audit row.

    Only a bank call that needs it (BankID signing) reads it. The row says who, for what and
    for which object, with the number masked.
    """
    profile = UserProfile.objects.filter(user=user).first()
    number = profile.national_id if profile else ""
    if number:
        audit_record(
            "user_profile.national_id_read",
            company=company,
            object_repr=f"{user.get_username()} ({mask_fodselsnummer(number)})",
            changes={
                "purpose": purpose,
                "object": f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else "",
            },
        )
    return number


def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
):
    User = get_user_model()
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, is_staff=is_staff)
    user.set_password(password)
    user.save()
    audit_record(
        "user.create",
        obj=user,
        object_repr=username,
        changes={"after": {"username": username, "is_staff": is_staff}},
    )
    return user
