"""Companies, their members and the audit trail, which is append-only in the database itself.

Squashes 0001_initial and 0002_audit_append_only. The rule's SQL is companies/sql/
audit_append_only.sql; docs/DATABASE.md lists what each trigger enforces.
"""

import bankint.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from bankint.sqlfiles import read_sql


class Migration(migrations.Migration):

    replaces = [
        ("companies", "0001_initial"),
        ("companies", "0002_audit_append_only"),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Company',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('org_number', models.CharField(max_length=9, unique=True, verbose_name='organisation number')),
                ('address_line', models.CharField(blank=True, max_length=200, verbose_name='address')),
                ('postal_code', models.CharField(blank=True, max_length=10, verbose_name='postal code')),
                ('city', models.CharField(blank=True, max_length=100, verbose_name='city')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'company',
                'verbose_name_plural': 'companies',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='UserProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('national_id', bankint.fields.EncryptedTextField(blank=True, default='', verbose_name='national identity number')),
                ('mobile', models.CharField(blank=True, max_length=20, verbose_name='mobile')),
                ('bank_user_id', models.CharField(blank=True, help_text='TB12345', max_length=20, verbose_name='online-bank user id')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='profile', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'user profile',
            },
        ),
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('actor_label', models.CharField(blank=True, max_length=150)),
                ('action', models.CharField(db_index=True, max_length=80)),
                ('object_type', models.CharField(blank=True, max_length=80)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('object_repr', models.CharField(blank=True, max_length=200)),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('source', models.CharField(blank=True, max_length=60)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('company', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'audit event',
                'verbose_name_plural': 'audit events',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['company', '-created_at'], name='companies_a_company_3991a1_idx'), models.Index(fields=['object_type', 'object_id'], name='companies_a_object__3a3903_idx')],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('SYSADMIN', 'System administrator'), ('ACCOUNTANT', 'Accountant'), ('APPROVER', 'Approver'), ('READ_ONLY', 'Read-only')], max_length=20, verbose_name='role')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='companies.company')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'membership',
                'verbose_name_plural': 'memberships',
                'indexes': [models.Index(fields=['company', 'role'], name='companies_m_company_860b73_idx')],
                'constraints': [models.UniqueConstraint(fields=('user', 'company', 'role'), name='uniq_membership_role')],
            },
        ),
        migrations.RunSQL(
            [read_sql("companies", "audit_append_only")],
            reverse_sql=["DROP FUNCTION bankint_audit_append_only() CASCADE"],  # and its trigger
        ),
    ]
