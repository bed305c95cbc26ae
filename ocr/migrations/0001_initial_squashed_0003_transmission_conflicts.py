"""Nets OCR files, their assignments and transactions.

Squashes 0001_initial to 0003_transmission_conflicts. OcrTransaction's references have no
database constraint (see docs/DATABASE.md): the import writes 100,000 of them at once.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [
        ("ocr", "0001_initial"),
        ("ocr", "0002_transaction_indexes"),
        ("ocr", "0003_transmission_conflicts"),
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
            name='OcrFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('IMPORTED', 'Imported'), ('PARTLY_UNASSIGNED', 'Partly unassigned'), ('DUPLICATE', 'Duplicate'), ('REJECTED', 'Rejected')], max_length=20, verbose_name='status')),
                ('source', models.CharField(choices=[('UPLOAD', 'Upload'), ('API', 'API'), ('COMMAND', 'Command'), ('BANK', 'From the bank')], max_length=10, verbose_name='source')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('filename', models.CharField(blank=True, max_length=200, verbose_name='file name')),
                ('raw', models.BinaryField(verbose_name='raw file (zlib)')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('size', models.PositiveBigIntegerField(default=0, verbose_name='size in bytes')),
                ('transmitter', models.CharField(blank=True, max_length=8, verbose_name='data transmitter')),
                ('transmission_number', models.CharField(blank=True, max_length=7, verbose_name='transmission number')),
                ('recipient', models.CharField(blank=True, max_length=8, verbose_name='data recipient')),
                ('bank_file_id', models.BigIntegerField(blank=True, null=True, verbose_name='bank file id')),
                ('transaction_count', models.PositiveIntegerField(default=0, verbose_name='transactions')),
                ('total_amount', models.DecimalField(decimal_places=2, default=0, max_digits=15, verbose_name='total amount')),
                ('settled_count', models.PositiveIntegerField(default=0, verbose_name='settled')),
                ('unmatched_count', models.PositiveIntegerField(default=0, verbose_name='unmatched')),
                ('unassigned_count', models.PositiveIntegerField(default=0, verbose_name='unassigned')),
                ('skipped_count', models.PositiveIntegerField(default=0, verbose_name='already imported')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='received at')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('duplicate_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='duplicates', to='ocr.ocrfile')),
                ('conflict_with', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='conflicts', to='ocr.ocrfile', verbose_name='conflicts with')),
            ],
            options={
                'verbose_name': 'OCR file',
                'verbose_name_plural': 'OCR files',
                'ordering': ['company', '-id'],
            },
        ),
        migrations.CreateModel(
            name='OcrAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=7, verbose_name='assignment number')),
                ('account', models.CharField(max_length=11, verbose_name='assignment account')),
                ('agreement_id', models.CharField(blank=True, max_length=9, verbose_name='agreement id')),
                ('unassigned', models.BooleanField(default=False, verbose_name='unassigned')),
                ('transaction_count', models.PositiveIntegerField(default=0, verbose_name='transactions')),
                ('total_amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='total amount')),
                ('net_amount', models.DecimalField(decimal_places=2, default=0, max_digits=15, verbose_name='net amount credited')),
                ('nets_date', models.DateField(blank=True, null=True, verbose_name='Nets date')),
                ('settled_count', models.PositiveIntegerField(default=0, verbose_name='settled')),
                ('unmatched_count', models.PositiveIntegerField(default=0, verbose_name='unmatched')),
                ('skipped_count', models.PositiveIntegerField(default=0, verbose_name='already imported')),
                ('reference', models.CharField(blank=True, max_length=35, verbose_name='reference')),
                ('bank_account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('voucher', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher')),
                ('file', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='ocr.ocrfile')),
            ],
            options={
                'verbose_name': 'OCR assignment',
                'verbose_name_plural': 'OCR assignments',
                'ordering': ['file', 'id'],
            },
        ),
        migrations.CreateModel(
            name='OcrTransaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account', models.CharField(max_length=11, verbose_name='assignment account')),
                ('assignment_number', models.CharField(max_length=7, verbose_name='assignment number')),
                ('number', models.PositiveIntegerField(verbose_name='transaction number')),
                ('type', models.PositiveSmallIntegerField(verbose_name='transaction type')),
                ('status', models.CharField(choices=[('SETTLED', 'Settled'), ('UNMATCHED', 'Unmatched'), ('REVERSED', 'Reversed'), ('REVERSAL', 'Reversal'), ('UNASSIGNED', 'Unassigned')], max_length=20, verbose_name='status')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('kid', models.CharField(blank=True, max_length=25, verbose_name='KID')),
                ('nets_date', models.DateField(verbose_name='Nets date')),
                ('bank_date', models.DateField(blank=True, null=True, verbose_name='bank date')),
                ('payer_account', models.CharField(blank=True, max_length=11, verbose_name="payer's account")),
                ('text', models.CharField(blank=True, max_length=40, verbose_name='text')),
                ('archive_reference', models.CharField(blank=True, max_length=9, verbose_name='archive reference')),
                ('form_number', models.CharField(blank=True, max_length=10, verbose_name='form number')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('assignment', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transactions', to='ocr.ocrassignment')),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('file', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transactions', to='ocr.ocrfile')),
                ('invoice', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.invoice')),
                ('reverses', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversed_by', to='ocr.ocrtransaction')),
                ('voucher', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher')),
            ],
            options={
                'verbose_name': 'OCR transaction',
                'verbose_name_plural': 'OCR transactions',
                'ordering': ['assignment', 'number'],
            },
        ),
        migrations.AddIndex(
            model_name='ocrfile',
            index=models.Index(fields=['company', 'status'], name='ocr_ocrfile_company_badeb9_idx'),
        ),
        migrations.AddConstraint(
            model_name='ocrfile',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['IMPORTED', 'PARTLY_UNASSIGNED'])), fields=('company', 'sha256'), name='uniq_ocr_file_sha256'),
        ),
        migrations.AddIndex(
            model_name='ocrfile',
            index=models.Index(fields=['company', 'transmitter', 'transmission_number'], name='ocr_file_transmission'),
        ),
        migrations.AddConstraint(
            model_name='ocrfile',
            constraint=models.UniqueConstraint(condition=models.Q(('bank_file_id__isnull', False), models.Q(('status', 'DUPLICATE'), _negated=True)), fields=('company', 'bank_file_id'), name='uniq_ocr_file_bank_id'),
        ),
        migrations.AddIndex(
            model_name='ocrtransaction',
            index=models.Index(fields=['company', 'kid'], name='ocr_ocrtran_company_bb364f_idx'),
        ),
        migrations.AddConstraint(
            model_name='ocrtransaction',
            constraint=models.UniqueConstraint(fields=('company', 'account', 'assignment_number', 'number', 'nets_date', 'amount', 'kid', 'archive_reference'), name='uniq_ocr_transaction'),
        ),
        migrations.AddIndex(
            model_name='ocrtransaction',
            index=models.Index(condition=models.Q(('status', 'SETTLED'), _negated=True), fields=['company', 'status'], name='ocr_tx_unsettled'),
        ),
        migrations.AddIndex(
            model_name='ocrtransaction',
            index=models.Index(fields=['file', 'assignment', 'number'], name='ocr_tx_file_order'),
        ),
    ]
