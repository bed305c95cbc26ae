"""No database constraint on the copied columns of the high-volume rows.

``StatementEntry.company``/``bank_account``/``file`` are copies of the entry's statement's
values and ``Match.company``/``bank_account`` of the locked bank account's, written only by
the import and the matching services. Each constrained column cost one deferred check per
row at commit (seconds for a 100,000-entry file). The ownership keys keep their constraint:
entry → statement, link → match, link → entry, link → voucher line.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('companies', '0002_audit_append_only'),
        ('reconciliation', '0002_raw_file_lz4'),
    ]

    operations = [
        migrations.AlterField(
            model_name='match',
            name='bank_account',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount'),
        ),
        migrations.AlterField(
            model_name='match',
            name='company',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='statemententry',
            name='bank_account',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount'),
        ),
        migrations.AlterField(
            model_name='statemententry',
            name='company',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='statemententry',
            name='file',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='reconciliation.statementfile'),
        ),
    ]
