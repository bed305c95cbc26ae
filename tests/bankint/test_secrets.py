"""Placeholder secrets fail the deploy check; the fødselsnummer key can be rotated."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from bankint.checks import weak_secret
from bankint.personal import decrypt

ROOT = Path(__file__).resolve().parents[2]
FNR = "15108695088"


def _deploy_check(**overrides) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankint.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "BANK_API_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_random_secrets():
    result = _deploy_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("FIELD_ENCRYPTION_KEY", "change-me-too", "placeholder word 'change-me'"),  # .env.example's
        ("FIELD_ENCRYPTION_KEY", "Zq8vR2kLmP4xT7", "14 characters long"),
        ("BANK_API_KEY", "sim-partner-key-dev", "placeholder word 'sim-partner'"),
    ],
)
def test_deploy_check_refuses_placeholder_and_short_secrets(name, value, why):
    result = _deploy_check(**{name: value})
    assert result.returncode != 0
    assert f"{name} is not fit for production" in result.stderr and why in result.stderr


def test_a_random_key_is_not_weak():
    assert weak_secret(secrets.token_urlsafe(48)) is None
    assert weak_secret("a" * 40) == "it uses fewer than 10 different characters"


@pytest.mark.django_db
def test_field_key_rotation_reencrypts_every_value(admin_a):
    from companies.models import UserProfile

    old, new = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    with override_settings(FIELD_ENCRYPTION_KEY=old, FIELD_ENCRYPTION_OLD_KEYS=[]):
        profile = UserProfile.objects.create(user=admin_a, national_id=FNR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM companies_userprofile WHERE id = %s", [profile.pk])
        before = cursor.fetchone()[0]
    assert FNR not in before
    with override_settings(FIELD_ENCRYPTION_KEY=new, FIELD_ENCRYPTION_OLD_KEYS=[old]):
        assert decrypt(before) == FNR  # the old key still reads during the rotation
        call_command("rotate_field_encryption", stdout=open(os.devnull, "w"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM companies_userprofile WHERE id = %s", [profile.pk])
        after = cursor.fetchone()[0]
    assert after != before
    with override_settings(FIELD_ENCRYPTION_KEY=new, FIELD_ENCRYPTION_OLD_KEYS=[]):
        assert decrypt(after) == FNR  # the new key alone reads it
        with pytest.raises(ValueError, match="cannot be decrypted"):
            decrypt(before)
