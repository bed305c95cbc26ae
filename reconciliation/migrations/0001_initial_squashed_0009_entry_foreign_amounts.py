"""Bank statements, their entries, and the matches of entries with ledger lines.

Squashes 0001_initial to 0009_entry_foreign_amounts. An import of a 100,000-entry file writes
100,000 entries and as many matches: their references have no per-row foreign-key constraint
(a deferred check per row at commit cost seconds); statement triggers check each INSERT or
UPDATE over its new rows instead, and row triggers keep what is referred to in place. Their
SQL is in reconciliation/sql/, and docs/DATABASE.md says what each one enforces.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from bankint.sqlfiles import read_sql


class Migration(migrations.Migration):

    replaces = [
        ("reconciliation", "0001_initial"),
        ("reconciliation", "0002_raw_file_lz4"),
        ("reconciliation", "0003_denormalised_copies_unconstrained"),
        ("reconciliation", "0004_links_checked_per_statement"),
        ("reconciliation", "0005_entry_unmatched_reason"),
        ("reconciliation", "0006_links_keyed_by_what_they_link"),
        ("reconciliation", "0007_entry_unmatched_partial_index"),
        ("reconciliation", "0008_entry_names_its_match"),
        ("reconciliation", "0009_entry_foreign_amounts"),
    ]

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('companies', '0001_initial_squashed_0002_audit_append_only'),
        ('ledger', '0001_initial_squashed_0009_voucherline_refs_checked_per_statement'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Match',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rule', models.CharField(choices=[('E2E', 'EndToEndId'), ('OCR_ASSIGNMENT', 'OCR assignment total'), ('REFERENCE', 'KID or invoice reference'), ('AMOUNT_DATE', 'Amount and date'), ('FEE', 'Bank fee'), ('MANUAL', 'Manual'), ('POSTED', 'Posted and matched')], max_length=20, verbose_name='rule')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='matched at')),
                ('bank_account', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount')),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('voucher', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher')),
            ],
            options={
                'verbose_name': 'match',
                'verbose_name_plural': 'matches',
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['company', 'bank_account'], name='reconciliat_company_cffced_idx')],
            },
        ),
        migrations.CreateModel(
            name='MatchLine',
            fields=[
                ('match', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='line_links', to='reconciliation.match')),
                ('voucher_line', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='ledger.voucherline')),
            ],
            options={
                'verbose_name': 'matched ledger line',
                'verbose_name_plural': 'matched ledger lines',
            },
        ),
        migrations.CreateModel(
            name='StatementFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(choices=[('UPLOAD', 'Upload'), ('API', 'API'), ('COMMAND', 'Command line'), ('BANK', 'Bank feed')], max_length=10, verbose_name='source')),
                ('filename', models.CharField(blank=True, max_length=255, verbose_name='file name')),
                ('data', models.BinaryField(verbose_name='raw file')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('size', models.PositiveBigIntegerField(default=0, verbose_name='size in bytes')),
                ('status', models.CharField(choices=[('RECEIVED', 'Received'), ('IMPORTED', 'Imported'), ('REJECTED', 'Rejected')], default='RECEIVED', max_length=10, verbose_name='status')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('bank_statement_id', models.CharField(blank=True, max_length=40, verbose_name="bank's statement id")),
                ('statements_count', models.PositiveIntegerField(default=0, verbose_name='statements')),
                ('entries_count', models.PositiveIntegerField(default=0, verbose_name='entries in the file')),
                ('entries_new', models.PositiveIntegerField(default=0, verbose_name='new entries')),
                ('entries_existing', models.PositiveIntegerField(default=0, verbose_name='entries already imported')),
                ('matched_count', models.PositiveIntegerField(default=0, verbose_name='entries matched automatically')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='received at')),
                ('imported_at', models.DateTimeField(blank=True, null=True, verbose_name='imported at')),
                ('rejected_at', models.DateTimeField(blank=True, null=True, verbose_name='rejected at')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'statement file',
                'verbose_name_plural': 'statement files',
                'ordering': ['company', '-created_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('company', 'sha256'), name='uniq_statement_file_sha256')],
            },
        ),
        migrations.CreateModel(
            name='Statement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('statement_id', models.CharField(max_length=35, verbose_name='statement id')),
                ('electronic_seq_nb', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='sequence number')),
                ('message_id', models.CharField(blank=True, max_length=35, verbose_name='message id')),
                ('from_date', models.DateField(blank=True, null=True, verbose_name='from')),
                ('to_date', models.DateField(blank=True, null=True, verbose_name='to')),
                ('closing_date', models.DateField(verbose_name='closing balance date')),
                ('currency', models.CharField(default='NOK', max_length=3, verbose_name='currency')),
                ('opening_balance', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='opening balance')),
                ('closing_balance', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='closing balance')),
                ('balance_types', models.CharField(default='OPBD/CLBD', max_length=9, verbose_name='balance types')),
                ('entries_count', models.PositiveIntegerField(default=0, verbose_name='entries')),
                ('balance_ok', models.BooleanField(default=True, verbose_name='balances add up')),
                ('balance_difference', models.DecimalField(decimal_places=2, default=0, max_digits=15, verbose_name='difference')),
                ('bank_account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('file', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='statements', to='reconciliation.statementfile')),
            ],
            options={
                'verbose_name': 'statement',
                'verbose_name_plural': 'statements',
                'ordering': ['bank_account', '-closing_date', '-id'],
                'indexes': [models.Index(fields=['company', 'bank_account', 'closing_date'], name='reconciliat_company_231d21_idx')],
            },
        ),
        migrations.CreateModel(
            name='StatementEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('dedup_key', models.CharField(max_length=120, verbose_name='deduplication key')),
                ('booking_date', models.DateField(verbose_name='booking date')),
                ('value_date', models.DateField(blank=True, null=True, verbose_name='value date')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('currency', models.CharField(default='NOK', max_length=3, verbose_name='currency')),
                ('reversal', models.BooleanField(default=False, verbose_name='reversal')),
                ('booking_status', models.CharField(default='BOOK', max_length=4, verbose_name='bank status')),
                ('acct_svcr_ref', models.CharField(blank=True, max_length=35, verbose_name='bank reference')),
                ('bank_tx_code', models.CharField(blank=True, max_length=40, verbose_name='transaction code')),
                ('end_to_end_ids', models.JSONField(blank=True, default=list, verbose_name='EndToEndIds')),
                ('kids', models.JSONField(blank=True, default=list, verbose_name='KIDs')),
                ('references', models.JSONField(blank=True, default=list, verbose_name='other references')),
                ('text', models.CharField(blank=True, max_length=500, verbose_name='text')),
                ('counterparty_name', models.CharField(blank=True, max_length=140, verbose_name='counterparty')),
                ('counterparty_account', models.CharField(blank=True, max_length=34, verbose_name='counterparty account')),
                ('is_charge', models.BooleanField(default=False, verbose_name='bank charge')),
                ('charges', models.DecimalField(decimal_places=2, default=0, max_digits=15, verbose_name='charges')),
                ('status', models.CharField(choices=[('UNMATCHED', 'Unmatched'), ('MATCHED', 'Matched')], default='UNMATCHED', max_length=10, verbose_name='status')),
                ('matched_rule', models.CharField(blank=True, max_length=20, verbose_name='matched by')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('bank_account', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount')),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('statement', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='reconciliation.statement')),
                ('file', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='reconciliation.statementfile')),
                ('unmatched_reason', models.CharField(blank=True, db_default='', default='', max_length=200, verbose_name='why unmatched')),
                ('match', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='reconciliation.match', verbose_name='match')),
                ('foreign_amounts', models.JSONField(blank=True, default=list, verbose_name='amounts in other currencies')),
            ],
            options={
                'verbose_name': 'statement entry',
                'verbose_name_plural': 'statement entries',
                'ordering': ['bank_account', 'booking_date', 'id'],
                'indexes': [models.Index(fields=['company', 'status', 'booking_date'], name='reconciliat_company_f7563c_idx'), models.Index(condition=models.Q(('status', 'UNMATCHED')), fields=['bank_account', 'booking_date'], name='recon_entry_unmatched')],
                'constraints': [models.UniqueConstraint(fields=('bank_account', 'dedup_key'), name='uniq_statement_entry_key')],
            },
        ),
        # Raw files compress with lz4 (a 67 MB camt.053: 0.1 s against pglz's 0.6 s); a server
        # built without lz4 keeps pglz.
        migrations.RunSQL(
            [
                """
DO $$
BEGIN
    ALTER TABLE reconciliation_statementfile ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN others THEN
    RAISE NOTICE 'lz4 compression not available; raw statement files stay pglz-compressed';
END
$$;
"""
            ],
            reverse_sql=["ALTER TABLE reconciliation_statementfile ALTER COLUMN data SET COMPRESSION DEFAULT"],
        ),
        # The name the link's primary key got when the table was re-keyed by the line (0006), so
        # that every database, old or new, has the same constraint names.
        migrations.RunSQL(
            [
                "ALTER TABLE reconciliation_matchline RENAME CONSTRAINT reconciliation_matchline_pkey"
                " TO reconciliation_matchline_voucher_line_id_23cc7ba2_pk"
            ],
            reverse_sql=[
                "ALTER TABLE reconciliation_matchline RENAME CONSTRAINT"
                " reconciliation_matchline_voucher_line_id_23cc7ba2_pk TO reconciliation_matchline_pkey"
            ],
        ),
        # The rules. Reverse: dropping a function drops its triggers (CASCADE); the triggers
        # of ledger's bankint_refs_check are dropped by name.
        migrations.RunSQL(
            [read_sql("reconciliation", "entry_refs")],
            reverse_sql=[
                "DROP TRIGGER recon_entry_refs_ins ON reconciliation_statemententry",
                "DROP TRIGGER recon_entry_refs_upd ON reconciliation_statemententry",
            ],
        ),
        migrations.RunSQL(
            [read_sql("reconciliation", "match_refs")],
            reverse_sql=[
                "DROP TRIGGER recon_match_refs_ins ON reconciliation_match",
                "DROP TRIGGER recon_match_refs_upd ON reconciliation_match",
            ],
        ),
        migrations.RunSQL(
            [read_sql("reconciliation", "matchline_refs")],
            reverse_sql=["DROP FUNCTION recon_matchline_refs_check() CASCADE"],
        ),
        migrations.RunSQL(
            [read_sql("reconciliation", "referenced_guard")],
            reverse_sql=["DROP FUNCTION recon_referenced_guard() CASCADE"],
        ),
        migrations.RunSQL(
            [read_sql("reconciliation", "match_user_deleted")],
            reverse_sql=["DROP FUNCTION recon_user_deleted() CASCADE"],
        ),
    ]
