"""API tokens: the services that issue, check and revoke them (the only writes to ApiToken).

- ``POST /api/v1/auth/token/`` makes a new named token on every call; it works for
  ``API_TOKEN_TTL_DAYS`` and its key is shown once. A user keeps at most
  ``API_TOKEN_MAX_ACTIVE`` working tokens: a script that logs in on every run would otherwise
  leave hundreds of live keys behind, so the least recently used one beyond the limit is
  revoked.
- A token is refused once it has expired, was revoked, or its user's password changed since
  it was made (the fingerprint, ``companies.credentials``); the refusal says which.
- Logging out of the browser does not touch tokens: integrations run on tokens made for them.
  ``POST /api/v1/auth/logout/`` revokes the token the call is made with.
- Use is recorded with bounded writes: ``last_used_at``/``last_used_ip`` at most once a minute
  (sooner from an address the token has not been audited from in the last hour), and one
  ``api_token.used`` audit row per token and address per hour. A token polled every second
  from one address costs one UPDATE a minute and one audit row an hour; one used from two
  addresses in turn costs no more than from one, plus its second audit row.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bankint import context
from bankint.errors import DomainError, ValidationFailed

from .credentials import key_generate, key_hash, key_prefix, password_fingerprint
from .models import ApiToken, AuditEvent
from .services import audit_record

DEFAULT_NAME = "API"
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
TOUCH_INTERVAL = timedelta(minutes=1)
AUDIT_INTERVAL = timedelta(hours=1)


class RevokeReason:
    USER = "user"  # its user, in the portal or the API
    LOGOUT = "logout"  # POST /api/v1/auth/logout/ with this token
    SUPPORT = "support"  # staff, in the admin
    LIMIT = "limit"  # more than API_TOKEN_MAX_ACTIVE working tokens


class ApiTokenRefused(DomainError):
    # The code integrations already know from DRF's TokenAuthentication; the sentence says why.
    code = "authentication_failed"
    status_code = 401


def _repr(token: ApiToken) -> str:
    return f"{token.user.get_username()} · {token}"


def _when(instant) -> str:
    return date_format(timezone.localtime(instant), "SHORT_DATETIME_FORMAT")


def _clean_name(name: str | None) -> str:
    name = (name or "").strip() or DEFAULT_NAME
    if len(name) > NAME_MAX_LENGTH:
        message = _("The name can be at most %(max)d characters.") % {"max": NAME_MAX_LENGTH}
        raise ValidationFailed(message, fields={"name": [message]})
    return name


@transaction.atomic
def api_token_create(*, user, name: str | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its key, which exists nowhere else afterwards."""
    name = _clean_name(name)
    # One creation at a time per user, so the limit below cannot be overrun by a burst.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    key = key_generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=key_hash(key),
        prefix=key_prefix(key),
        password_fingerprint=password_fingerprint(user.password),
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit_record(
        "api_token.create",
        obj=token,
        actor=user,
        object_repr=_repr(token),
        changes={"after": {"name": name, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()}},
    )
    working = (
        ApiToken.objects.filter(
            user=user,
            revoked_at__isnull=True,
            expires_at__gt=now,
            password_fingerprint=token.password_fingerprint,
        )
        .exclude(pk=token.pk)
        .select_related("user")
        .order_by(Coalesce("last_used_at", "created_at").desc(), "-id")
    )
    for surplus in working[max(settings.API_TOKEN_MAX_ACTIVE - 1, 0) :]:
        api_token_revoke(surplus, actor=user, reason=RevokeReason.LIMIT)
    return token, key


@transaction.atomic
def api_token_revoke(token: ApiToken, *, actor, reason: str) -> bool:
    """Revoke one token; False if it already was (a second click, a race: no second row)."""
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    if not updated:
        return False
    token.revoked_at, token.revoked_by = now, actor
    audit_record(
        "api_token.revoke",
        obj=token,
        actor=actor,
        object_repr=_repr(token),
        changes={"reason": reason, "user": token.user.get_username(), "prefix": token.prefix},
    )
    return True


@transaction.atomic
def api_tokens_revoke_all(user, *, actor, reason: str = RevokeReason.USER) -> int:
    """Revoke every token of ``user`` that could still work; how many were revoked."""
    tokens = ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("user")
    return sum(api_token_revoke(token, actor=actor, reason=reason) for token in tokens)


def api_token_authenticate(key: str) -> ApiToken:
    """The token with this key if it may be used now, else :class:`ApiTokenRefused` saying why.

    The caller's address is the request's (``bankint.context``, set by the middleware).
    """
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
    if token is None:
        raise ApiTokenRefused(_("The API token is not valid."))
    now = timezone.now()
    status = token.status_at(now)
    if status == ApiToken.Status.REVOKED:
        raise ApiTokenRefused(
            _("This API token was revoked on %(when)s. Create a new token.")
            % {"when": _when(token.revoked_at)}
        )
    if status == ApiToken.Status.EXPIRED:
        raise ApiTokenRefused(
            _("This API token expired on %(when)s. Create a new token.") % {"when": _when(token.expires_at)}
        )
    if status == ApiToken.Status.PASSWORD_CHANGED:
        raise ApiTokenRefused(
            _("This API token stopped working when the password was changed. Create a new token.")
        )
    if not token.user.is_active:
        raise ApiTokenRefused(_("The user account is deactivated."))
    _api_token_used(token, now)
    return token


def _api_token_used(token: ApiToken, now) -> None:
    ip = context.current().ip
    if _recently_seen(token, now) and token.last_used_ip == ip:
        return  # the hot path: no query
    with transaction.atomic():
        # Concurrent first calls wait here and then find the row and the audit row written.
        locked = ApiToken.objects.select_for_update().only("last_used_at", "last_used_ip").get(pk=token.pk)
        if _recently_seen(locked, now) and locked.last_used_ip == ip:
            return
        audited_here = AuditEvent.objects.filter(
            action="api_token.used",
            object_type=ApiToken._meta.label_lower,
            object_id=str(token.pk),
            ip=ip,
            created_at__gte=now - AUDIT_INTERVAL,
        ).exists()
        if _recently_seen(locked, now) and audited_here:
            return  # back and forth between addresses already on record this hour
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        token.last_used_at, token.last_used_ip = now, ip
        if not audited_here:
            audit_record(
                "api_token.used",
                obj=token,
                actor=token.user,
                object_repr=_repr(token),
                changes={"name": token.name, "prefix": token.prefix},
            )


def _recently_seen(token: ApiToken, now) -> bool:
    return token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL


def api_tokens_follow_rehash(user, previous_password_hash: str) -> int:
    """Carry the user's tokens over when a login re-hashed the same password.

    Django re-hashes a password at login when its hasher or iteration count changed (every
    Django upgrade raises PBKDF2's). The password is the same, so the tokens must live on;
    only the authentication backend calls this, right after the password was verified.
    """
    secrets = (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    before = [password_fingerprint(previous_password_hash, secret=secret) for secret in secrets]
    return ApiToken.objects.filter(user=user, password_fingerprint__in=before).update(
        password_fingerprint=password_fingerprint(user.password)
    )
