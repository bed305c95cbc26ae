"""API tokens that expire and can be revoked (issue 21, item 7); DRF's authtoken keys move in.

``rest_framework.authtoken`` is no longer installed. Where its table exists (a database that
ran it), every key moves into ``companies_apitoken`` as its SHA-256, named "API (before
expiry)", expiring ``API_TOKEN_TTL_DAYS`` from now: integrations keep working and get that
long to switch to a new token. Then the old table, its permissions, content type and
migration records go. On a new database there is nothing to move.
"""

from datetime import UTC, timedelta

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from companies.credentials import key_hash, key_prefix, password_fingerprint

LEGACY_TABLE = "authtoken_token"
LEGACY_NAME = "API (before expiry)"


def _aware(value):
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def move_authtoken_keys(apps, schema_editor):
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        legacy = LEGACY_TABLE in connection.introspection.table_names(cursor)
        rows = []
        if legacy:
            cursor.execute(f"SELECT {qn('key')}, {qn('user_id')}, {qn('created')} FROM {qn(LEGACY_TABLE)}")
            rows = cursor.fetchall()
    if rows:
        ApiToken = apps.get_model("companies", "ApiToken")
        User = apps.get_model(settings.AUTH_USER_MODEL)
        passwords = dict(User.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", "password"))
        expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
        ApiToken.objects.bulk_create(
            [
                ApiToken(
                    user_id=user_id,
                    name=LEGACY_NAME,
                    key_hash=key_hash(key),
                    prefix=key_prefix(key),
                    password_fingerprint=password_fingerprint(passwords[user_id]),
                    created_at=_aware(created),
                    expires_at=expires_at,
                )
                for key, user_id, created in rows
                if user_id in passwords
            ],
            batch_size=500,
        )
    if legacy:
        schema_editor.execute(f"DROP TABLE {qn(LEGACY_TABLE)}")
    # What Django kept about the app: its permissions (and their grants), its content type
    # (an admin log entry about a token keeps its text, loses the link) and its migrations,
    # so that installing authtoken again would create its table again.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="authtoken").delete()
    ContentType.objects.filter(app_label="authtoken").delete()
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()



class Migration(migrations.Migration):

    dependencies = [
        ('companies', '0001_initial_squashed_0002_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The clean-up below uses their models (and admin's log entries point at content types).
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('admin', '0003_logentry_add_action_flag_choices'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('key_hash', models.CharField(max_length=64, unique=True)),
                ('prefix', models.CharField(max_length=8, verbose_name='prefix')),
                ('password_fingerprint', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('expires_at', models.DateTimeField(verbose_name='expires')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used')),
                ('last_used_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='last address')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', '-created_at'], name='companies_a_user_id_349f8b_idx')],
            },
        ),
        # Backwards keeps nothing to restore: authtoken is not installed any more.
        migrations.RunPython(move_authtoken_keys, migrations.RunPython.noop),
    ]
