"""Indexes for what the OCR pages ask, none that only slow the import (100,000 rows a file)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('companies', '0002_audit_append_only'),
        ('ledger', '0004_settlement_speed'),
        ('ocr', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='ocrtransaction',
            name='ocr_ocrtran_company_ac966e_idx',
        ),
        migrations.AlterField(
            model_name='ocrtransaction',
            name='assignment',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transactions', to='ocr.ocrassignment'),
        ),
        migrations.AlterField(
            model_name='ocrtransaction',
            name='file',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transactions', to='ocr.ocrfile'),
        ),
        migrations.AlterField(
            model_name='ocrtransaction',
            name='invoice',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.invoice'),
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
