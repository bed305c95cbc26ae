"""Two fewer indexes on voucher lines, for reconciliation's flagging.

Reconciliation flags up to 100,000 lines at a time, and as the flag is in an index each
UPDATE writes a new entry into every index of the table. Nothing looks lines up by
reference in the database (the matcher indexes the open lines it loads), and only deleting
an unused bank account looks them up by bank account (a rare action that may scan).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('ledger', '0005_voucherline_fewer_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='voucherline',
            name='ledger_vouc_company_b50ce1_idx',
        ),
        migrations.AlterField(
            model_name='voucherline',
            name='bank_account',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount'),
        ),
    ]
