"""Agreements with the bank: the change feed, online-bank applications, RgB and service orders.

Squashes 0001_initial to 0004_feed_event_failures.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [
        ("agreements", "0001_initial"),
        ("agreements", "0002_onlinebankapplication_rgborder_serviceorder_and_more"),
        ("agreements", "0003_feed_counters"),
        ("agreements", "0004_feed_event_failures"),
    ]

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('companies', '0001_initial_squashed_0002_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BankFeedCursor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bank', models.CharField(default='DNB', max_length=20, unique=True)),
                ('cursor', models.BigIntegerField(default=0)),
                ('lease_owner', models.CharField(blank=True, max_length=64)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('consecutive_failures', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('last_success_at', models.DateTimeField(blank=True, null=True)),
                ('last_failure_at', models.DateTimeField(blank=True, null=True)),
                ('events_processed', models.BigIntegerField(default=0)),
                ('duplicates_skipped', models.BigIntegerField(default=0, verbose_name='duplicate events skipped')),
                ('failures_total', models.BigIntegerField(default=0, verbose_name='failed poll rounds')),
            ],
            options={
                'verbose_name': 'bank change feed',
                'verbose_name_plural': 'bank change feeds',
            },
        ),
        migrations.CreateModel(
            name='OnlineBankApplication',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=100, unique=True)),
                ('bank_application_id', models.BigIntegerField(blank=True, null=True, unique=True)),
                ('status', models.CharField(choices=[('DRAFT', 'Being filled in at the bank'), ('RECEIVED', 'Received by the bank'), ('READY_FOR_SIGNING', 'Ready to sign'), ('SIGNED', 'Signed'), ('CREATED', 'Online bank created'), ('CANCELLED', 'Cancelled')], default='DRAFT', max_length=20)),
                ('url', models.URLField(blank=True, max_length=500)),
                ('raw_response', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'online bank application',
                'verbose_name_plural': 'online bank applications',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='RgbOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=100, unique=True)),
                ('bank_order_id', models.BigIntegerField(blank=True, null=True, unique=True)),
                ('status', models.CharField(choices=[('AWAITING_USER', 'Waiting for you at the bank'), ('CONFIRMED', 'Confirmed'), ('CANCELLED', 'Cancelled')], default='AWAITING_USER', max_length=20)),
                ('accounts', models.JSONField(default=list)),
                ('url', models.URLField(blank=True, max_length=500)),
                ('raw_response', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'RgB order',
                'verbose_name_plural': 'RgB orders',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ServiceOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bank', models.CharField(choices=[('DNB', 'DNB'), ('SBANKEN', "S'banken bedrift")], default='DNB', max_length=10)),
                ('idempotency_key', models.CharField(max_length=100)),
                ('reference', models.CharField(max_length=100, unique=True)),
                ('bank_order_id', models.BigIntegerField(blank=True, null=True)),
                ('status', models.CharField(choices=[('SUBMITTING', 'Sending to the bank'), ('AWAITING_CONFIRMATION', "Waiting for you in the bank's order wizard"), ('PROCESSING', 'Being processed by the bank'), ('COMPLETED', 'Completed'), ('PARTIALLY_COMPLETED', 'Partly completed'), ('REJECTED', 'Rejected by the bank'), ('CANCELLED', 'Cancelled'), ('FAILED', 'Refused by the bank')], default='SUBMITTING', max_length=30)),
                ('services', models.JSONField(default=list)),
                ('fee_account', models.CharField(default='7770', max_length=4)),
                ('kid_length', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('kid_check', models.CharField(blank=True, max_length=5)),
                ('wizard_url', models.URLField(blank=True, max_length=500)),
                ('subscription_upgraded', models.BooleanField(default=False)),
                ('code', models.CharField(blank=True, max_length=60)),
                ('message', models.TextField(blank=True)),
                ('raw_response', models.JSONField(blank=True, default=dict)),
                ('claim', models.CharField(blank=True, db_index=True, max_length=40)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('submitted_at', models.DateTimeField(blank=True, null=True)),
                ('processing_at', models.DateTimeField(blank=True, null=True)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'service order',
                'verbose_name_plural': 'service orders',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ServiceOrderAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account_number', models.CharField(max_length=11)),
                ('result', models.CharField(choices=[('PENDING', 'Pending'), ('OK', 'Active'), ('FAILED', 'Failed')], default='PENDING', max_length=10)),
                ('agreement_id', models.CharField(blank=True, max_length=40)),
                ('division_name', models.CharField(blank=True, max_length=100)),
                ('division_number', models.CharField(blank=True, max_length=40)),
                ('service_results', models.JSONField(blank=True, default=list)),
                ('errors', models.JSONField(blank=True, default=list)),
                ('bank_account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='agreements.serviceorder')),
            ],
            options={
                'verbose_name': 'service order account',
                'verbose_name_plural': 'service order accounts',
                'ordering': ['order', 'account_number'],
            },
        ),
        migrations.AddIndex(
            model_name='serviceorder',
            index=models.Index(fields=['status'], name='service_order_status'),
        ),
        migrations.AddConstraint(
            model_name='serviceorder',
            constraint=models.UniqueConstraint(fields=('company', 'idempotency_key'), name='uniq_service_order_key'),
        ),
        migrations.AddConstraint(
            model_name='serviceorder',
            constraint=models.UniqueConstraint(fields=('bank', 'bank_order_id'), name='uniq_service_order_bank_id'),
        ),
        migrations.AddConstraint(
            model_name='serviceorderaccount',
            constraint=models.UniqueConstraint(fields=('order', 'bank_account'), name='uniq_service_order_account'),
        ),
        migrations.CreateModel(
            name='FeedEventFailure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bank', models.CharField(default='DNB', max_length=20)),
                ('event_id', models.BigIntegerField()),
                ('event_type', models.CharField(max_length=80)),
                ('handler', models.CharField(max_length=200)),
                ('org_number', models.CharField(blank=True, max_length=20)),
                ('resource_id', models.CharField(blank=True, max_length=100)),
                ('data', models.JSONField(blank=True, default=dict)),
                ('event_created_at', models.DateTimeField(blank=True, null=True)),
                ('error', models.TextField(blank=True)),
                ('attempts', models.PositiveIntegerField(default=1)),
                ('first_failed_at', models.DateTimeField(auto_now_add=True)),
                ('last_failed_at', models.DateTimeField(auto_now=True)),
                ('next_retry_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'verbose_name': 'failed bank event',
                'verbose_name_plural': 'failed bank events',
                'ordering': ['-last_failed_at'],
                'indexes': [models.Index(condition=models.Q(('resolved_at__isnull', True)), fields=['bank', 'next_retry_at'], name='feed_failure_due')],
                'constraints': [models.UniqueConstraint(fields=('bank', 'event_id', 'handler'), name='feed_failure_once')],
            },
        ),
    ]
