"""A database part-way through a squashed history is stopped before ``migrate`` skips steps."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from bankint.checks import squashed_migrations_complete

pytestmark = pytest.mark.django_db


def _a_squash():
    replacements = MigrationLoader(None, ignore_no_migrations=True).replacements
    key, migration = max(replacements.items(), key=lambda item: len(item[1].replaces))
    assert len(migration.replaces) > 1
    return key, migration


def test_a_complete_history_passes():
    assert squashed_migrations_complete(None, databases=["default"]) == []


def test_a_history_stopped_in_the_middle_of_a_squash_is_an_error():
    (app, name), migration = _a_squash()
    last_app, last_name = migration.replaces[-1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [last_app, last_name])
    errors = squashed_migrations_complete(None, databases=["default"])
    assert [e.id for e in errors] == ["bankint.E010"]
    assert f"{app}.{name}" in errors[0].msg and f"{last_app}.{last_name}" in errors[0].hint


def test_a_database_that_never_started_that_history_passes():
    (_app, _name), migration = _a_squash()
    with connection.cursor() as cursor:
        for app, name in migration.replaces:
            cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])
    assert squashed_migrations_complete(None, databases=["default"]) == []
