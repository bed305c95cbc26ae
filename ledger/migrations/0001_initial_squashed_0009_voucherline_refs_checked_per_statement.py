"""The books: vouchers and their lines, invoices, bills, settlements and the open bank lines.

Squashes 0001_initial to 0009_voucherline_refs_checked_per_statement. The database keeps the
rules itself; their SQL is in ledger/sql/ and docs/DATABASE.md says what each one enforces:

* voucher_immutable.sql: posted vouchers and lines are never edited or deleted;
* voucher_balanced.sql: every voucher sums to zero at commit;
* refs_check.sql: the check of the foreign keys a table has no constraint for, once per
  statement (ledger's and reconciliation's triggers name the references they stand in for);
* voucherline_refs.sql: a line's voucher, bank account, invoice and bill exist and are its
  company's (checked per INSERT statement instead of by five foreign keys per line), and what
  lines name cannot be deleted;
* settlement_refs.sql: the same for invoice settlements, and a settled invoice stays;
* open_bank_lines.sql: every bank line (1900-1999) goes into the open-lines queue.

Invoices are filled to half a page (fillfactor 50) and what a settlement changes is in no
index, so settling 100,000 invoices updates them in place (HOT).
"""

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

from bankint.sqlfiles import read_sql


class Migration(migrations.Migration):

    replaces = [
        ("ledger", "0001_initial"),
        ("ledger", "0002_voucher_guards"),
        ("ledger", "0003_balance_check_on_insert_only"),
        ("ledger", "0004_settlement_speed"),
        ("ledger", "0005_voucherline_fewer_indexes"),
        ("ledger", "0006_voucherline_fewer_indexes_for_flagging"),
        ("ledger", "0007_open_bank_lines"),
        ("ledger", "0008_balance_check_once_per_voucher"),
        ("ledger", "0009_voucherline_refs_checked_per_statement"),
    ]

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('companies', '0001_initial_squashed_0002_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Customer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='customer number')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('org_number', models.CharField(blank=True, max_length=9, verbose_name='organisation number')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'customer',
                'verbose_name_plural': 'customers',
                'ordering': ['company', 'number'],
            },
        ),
        migrations.CreateModel(
            name='Invoice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveBigIntegerField(verbose_name='invoice number')),
                ('issue_date', models.DateField(verbose_name='issue date')),
                ('due_date', models.DateField(verbose_name='due date')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('currency', models.CharField(default='NOK', max_length=3, verbose_name='currency')),
                ('text', models.CharField(blank=True, max_length=200, verbose_name='text')),
                ('kid', models.CharField(blank=True, max_length=25, verbose_name='KID')),
                ('status', models.CharField(choices=[('OPEN', 'Open'), ('PARTLY_PAID', 'Partly paid'), ('PAID', 'Paid'), ('OVERPAID', 'Overpaid')], default='OPEN', max_length=20, verbose_name='status')),
                ('paid_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=15, verbose_name='paid amount')),
                ('issued_at', models.DateTimeField(verbose_name='issued at')),
                ('paid_at', models.DateTimeField(blank=True, null=True, verbose_name='paid at')),
                ('company', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='ledger.customer')),
            ],
            options={
                'verbose_name': 'invoice',
                'verbose_name_plural': 'invoices',
                'ordering': ['company', '-number'],
            },
        ),
        migrations.CreateModel(
            name='InvoiceSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kid_enabled', models.BooleanField(default=False, verbose_name='invoice with KID')),
                ('kid_length', models.PositiveSmallIntegerField(default=9, verbose_name='KID length')),
                ('kid_algorithm', models.CharField(choices=[('MOD10', 'MOD10'), ('MOD11', 'MOD11')], default='MOD10', max_length=5, verbose_name='check digit')),
                ('kid_customer_digits', models.PositiveSmallIntegerField(default=3, verbose_name='digits for the customer number')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('company', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'invoice settings',
                'verbose_name_plural': 'invoice settings',
            },
        ),
        migrations.CreateModel(
            name='LedgerAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=4, verbose_name='number')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'ledger account',
                'verbose_name_plural': 'ledger accounts',
                'ordering': ['company', 'number'],
            },
        ),
        migrations.CreateModel(
            name='NumberSeries',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('VOUCHER', 'Voucher'), ('INVOICE', 'Invoice'), ('CUSTOMER', 'Customer'), ('SUPPLIER', 'Supplier')], max_length=20)),
                ('next_value', models.PositiveBigIntegerField(default=1)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
            ],
        ),
        migrations.CreateModel(
            name='Supplier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='supplier number')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('account_number', models.CharField(max_length=11, verbose_name='account number')),
                ('org_number', models.CharField(blank=True, max_length=9, verbose_name='organisation number')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'supplier',
                'verbose_name_plural': 'suppliers',
                'ordering': ['company', 'number'],
            },
        ),
        migrations.CreateModel(
            name='Voucher',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveBigIntegerField(verbose_name='voucher number')),
                ('date', models.DateField(verbose_name='date')),
                ('text', models.CharField(max_length=200, verbose_name='text')),
                ('kind', models.CharField(choices=[('MANUAL', 'Manual'), ('INVOICE', 'Outgoing invoice'), ('BILL', 'Incoming invoice'), ('PAYMENT_IN', 'Incoming payment'), ('PAYMENT_OUT', 'Outgoing payment'), ('BANK', 'Bank entry'), ('REVERSAL', 'Reversal')], default='MANUAL', max_length=20, verbose_name='kind')),
                ('posted_at', models.DateTimeField(verbose_name='posted at')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('posted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('reverses', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversed_by', to='ledger.voucher')),
            ],
            options={
                'verbose_name': 'voucher',
                'verbose_name_plural': 'vouchers',
                'ordering': ['company', '-number'],
            },
        ),
        migrations.CreateModel(
            name='InvoiceSettlement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('source', models.CharField(choices=[('OCR', 'Nets OCR'), ('BANK_STATEMENT', 'Bank statement'), ('MANUAL', 'Manual')], max_length=20, verbose_name='source')),
                ('reference', models.CharField(blank=True, max_length=35, verbose_name='reference')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('invoice', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='ledger.invoice')),
                ('voucher', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher')),
            ],
            options={
                'verbose_name': 'invoice settlement',
                'verbose_name_plural': 'invoice settlements',
                'ordering': ['invoice', 'id'],
            },
        ),
        migrations.AddField(
            model_name='invoice',
            name='voucher',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher'),
        ),
        migrations.CreateModel(
            name='Bill',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('supplier_invoice_number', models.CharField(blank=True, max_length=50, verbose_name="supplier's invoice number")),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('currency', models.CharField(default='NOK', max_length=3, verbose_name='currency')),
                ('issue_date', models.DateField(verbose_name='issue date')),
                ('due_date', models.DateField(verbose_name='due date')),
                ('kid', models.CharField(blank=True, max_length=25, verbose_name='KID')),
                ('message', models.CharField(blank=True, max_length=140, verbose_name='message')),
                ('status', models.CharField(choices=[('OPEN', 'Open'), ('SCHEDULED', 'Scheduled for payment'), ('PAID', 'Paid')], default='OPEN', max_length=20, verbose_name='status')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('scheduled_at', models.DateTimeField(blank=True, null=True)),
                ('paid_at', models.DateTimeField(blank=True, null=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bills', to='ledger.supplier')),
                ('payment_voucher', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher')),
                ('voucher', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher')),
            ],
            options={
                'verbose_name': 'bill',
                'verbose_name_plural': 'bills',
                'ordering': ['company', 'due_date', 'id'],
            },
        ),
        migrations.CreateModel(
            name='VoucherLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ledger_account', models.CharField(max_length=4, verbose_name='ledger account')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('text', models.CharField(blank=True, max_length=200, verbose_name='text')),
                ('reference_kind', models.CharField(choices=[('NONE', 'None'), ('KID', 'KID'), ('E2E', 'EndToEndId'), ('OCR_ASSIGNMENT', 'OCR assignment number'), ('INVOICE', 'Invoice')], default='NONE', max_length=20, verbose_name='reference kind')),
                ('reference', models.CharField(blank=True, max_length=35, verbose_name='reference')),
                ('bank_account', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount')),
                ('bill', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='voucher_lines', to='ledger.bill')),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company')),
                ('invoice', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='voucher_lines', to='ledger.invoice')),
                ('voucher', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='ledger.voucher')),
            ],
            options={
                'verbose_name': 'voucher line',
                'verbose_name_plural': 'voucher lines',
                'ordering': ['voucher', 'id'],
            },
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.UniqueConstraint(fields=('company', 'number'), name='uniq_customer_number'),
        ),
        migrations.AddConstraint(
            model_name='ledgeraccount',
            constraint=models.UniqueConstraint(fields=('company', 'number'), name='uniq_ledger_account'),
        ),
        migrations.AddConstraint(
            model_name='numberseries',
            constraint=models.UniqueConstraint(fields=('company', 'kind'), name='uniq_number_series'),
        ),
        migrations.AddConstraint(
            model_name='supplier',
            constraint=models.UniqueConstraint(fields=('company', 'number'), name='uniq_supplier_number'),
        ),
        migrations.AddConstraint(
            model_name='voucher',
            constraint=models.UniqueConstraint(fields=('company', 'number'), name='uniq_voucher_number'),
        ),
        migrations.AddConstraint(
            model_name='voucher',
            constraint=models.UniqueConstraint(condition=models.Q(('reverses__isnull', False)), fields=('reverses',), name='uniq_voucher_reversal'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.UniqueConstraint(fields=('company', 'number'), name='uniq_invoice_number'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.UniqueConstraint(condition=models.Q(('kid', ''), _negated=True), fields=('company', 'kid'), name='uniq_invoice_kid'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='invoice_amount_positive'),
        ),
        migrations.AddIndex(
            model_name='bill',
            index=models.Index(fields=['company', 'status'], name='ledger_bill_company_2b0ad8_idx'),
        ),
        migrations.AddConstraint(
            model_name='bill',
            constraint=models.CheckConstraint(condition=models.Q(('kid', ''), ('message', ''), _connector='OR'), name='bill_kid_or_message'),
        ),
        migrations.AddConstraint(
            model_name='bill',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='bill_amount_positive'),
        ),
        migrations.AddIndex(
            model_name='voucherline',
            index=models.Index(fields=['company', 'ledger_account'], name='ledger_line_account'),
        ),
        migrations.AddIndex(
            model_name='voucherline',
            index=models.Index(condition=models.Q(('invoice__isnull', False)), fields=['invoice'], name='ledger_line_invoice_set'),
        ),
        migrations.AddIndex(
            model_name='voucherline',
            index=models.Index(condition=models.Q(('bill__isnull', False)), fields=['bill'], name='ledger_line_bill_set'),
        ),
        migrations.CreateModel(
            name='OpenBankLine',
            fields=[
                ('line', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='open_entry', serialize=False, to='ledger.voucherline')),
                ('ledger_account', models.CharField(max_length=4, verbose_name='ledger account')),
                ('date', models.DateField(verbose_name='date')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('reference_kind', models.CharField(choices=[('NONE', 'None'), ('KID', 'KID'), ('E2E', 'EndToEndId'), ('OCR_ASSIGNMENT', 'OCR assignment number'), ('INVOICE', 'Invoice')], max_length=20, verbose_name='reference kind')),
                ('reference', models.CharField(blank=True, max_length=35, verbose_name='reference')),
                ('bank_account', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bankaccount')),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'open bank line',
                'verbose_name_plural': 'open bank lines',
                'indexes': [models.Index(fields=['company', 'ledger_account'], name='ledger_open_bank_line_account')],
            },
        ),
        migrations.RunSQL(
            ["ALTER TABLE ledger_invoice SET (fillfactor = 50)"],
            reverse_sql=["ALTER TABLE ledger_invoice RESET (fillfactor)"],
        ),
        # The rules. Reverse: dropping a function drops its triggers (CASCADE).
        migrations.RunSQL(
            [read_sql("ledger", "voucher_immutable")],
            reverse_sql=["DROP FUNCTION ledger_voucher_immutable(), ledger_voucherline_immutable() CASCADE"],
        ),
        migrations.RunSQL(
            [read_sql("ledger", "voucher_balanced")],
            reverse_sql=["DROP FUNCTION ledger_voucher_balance_check() CASCADE"],
        ),
        migrations.RunSQL(
            [read_sql("ledger", "refs_check")],
            reverse_sql=["DROP FUNCTION bankint_refs_check() CASCADE"],
        ),
        migrations.RunSQL(
            [read_sql("ledger", "voucherline_refs")],
            reverse_sql=["DROP FUNCTION ledger_line_referenced_guard() CASCADE"],
        ),
        migrations.RunSQL(
            [read_sql("ledger", "settlement_refs")],
            reverse_sql=["DROP FUNCTION ledger_invoice_settled_guard() CASCADE"],
        ),
        migrations.RunSQL(
            [read_sql("ledger", "open_bank_lines")],
            reverse_sql=["DROP FUNCTION ledger_open_bank_lines_add() CASCADE"],
        ),
    ]
