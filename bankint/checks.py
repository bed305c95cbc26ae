"""Deploy checks of our own: ``manage.py check --deploy`` refuses placeholder and weak secrets.

Django checks SECRET_KEY itself (security.W009); the key that encrypts fødselsnummer at rest
and the bank's API key are ours. A value copied from ``.env.example`` or a short one would
pass silently otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_KEY_LENGTH = 32
# Words that mark a value as an example, never a secret (.env.example, docs, CI placeholders).
_PLACEHOLDERS = (
    "change-me",
    "changeme",
    "placeholder",
    "example",
    "ci-check",
    "sim-partner",
    "secret",
    "password",
)


def weak_secret(value: str | None) -> str | None:
    """Why ``value`` cannot be a production secret, or None."""
    if not value:
        return "it is not set"
    lowered = value.lower()
    for word in _PLACEHOLDERS:
        if word in lowered:
            return f"it contains the placeholder word {word!r}"
    if len(value) < MIN_KEY_LENGTH:
        return f"it is {len(value)} characters long; at least {MIN_KEY_LENGTH} random characters are needed"
    if len(set(value)) < 10:
        return "it uses fewer than 10 different characters"
    return None


@register(Tags.security, deploy=True)
def check_secrets(app_configs=None, **kwargs):
    errors = []
    for number, name in enumerate(("FIELD_ENCRYPTION_KEY", "BANK_API_KEY"), start=1):
        problem = weak_secret(getattr(settings, name, None))
        if problem:
            errors.append(
                Error(
                    f"{name} is not fit for production: {problem}.",
                    hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))' "
                    "(README, Secrets).",
                    id=f"bankint.E00{number}",
                )
            )
    for key in getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", []):
        if key == settings.FIELD_ENCRYPTION_KEY:
            errors.append(
                Error(
                    "FIELD_ENCRYPTION_OLD_KEYS repeats FIELD_ENCRYPTION_KEY.",
                    hint="List only the keys being rotated out.",
                    id="bankint.E003",
                )
            )
    return errors


@register(Tags.database)
def squashed_migrations_complete(app_configs, databases=None, **kwargs):
    """A database part-way through a history that was squashed cannot be migrated safely.

    Django marks a squashed migration applied when *all* the migrations it replaces are
    recorded, and skips it silently when some are: the steps in between would never run.
    ``migrate`` runs database checks first, so it stops here instead (docs/DATABASE.md).
    """
    from django.db import DatabaseError, connections
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    errors = []
    for alias in databases or []:
        connection = connections[alias]
        try:
            recorded = set(MigrationRecorder(connection).applied_migrations())
        except DatabaseError:  # no database or no history yet: nothing half-done
            continue
        loader = MigrationLoader(None, ignore_no_migrations=True)
        for (app, name), migration in sorted(loader.replacements.items()):
            done = [key for key in migration.replaces if key in recorded]
            if done and len(done) < len(migration.replaces):
                missing = ", ".join(f"{a}.{n}" for a, n in migration.replaces if (a, n) not in recorded)
                errors.append(
                    Error(
                        f"Database '{alias}' applied only part of the history squashed into {app}.{name}.",
                        hint=f"Migrate it with the release before the squash first; missing: {missing}.",
                        id="bankint.E010",
                    )
                )
    return errors
