"""A reused transmission number with other content is a conflict, not a duplicate (issue 20).

Two accepted files may now share a data transmitter and transmission number (the second one
points at the first with ``conflict_with``), and a payment is identified by what Nets says
about it, not by its number alone.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ocr', '0002_transaction_indexes'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='ocrfile',
            name='uniq_ocr_file_transmission',
        ),
        migrations.RemoveConstraint(
            model_name='ocrtransaction',
            name='uniq_ocr_transaction',
        ),
        migrations.AddField(
            model_name='ocrfile',
            name='conflict_with',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='conflicts', to='ocr.ocrfile', verbose_name='conflicts with'),
        ),
        migrations.AddIndex(
            model_name='ocrfile',
            index=models.Index(fields=['company', 'transmitter', 'transmission_number'], name='ocr_file_transmission'),
        ),
        migrations.AddConstraint(
            model_name='ocrtransaction',
            constraint=models.UniqueConstraint(fields=('company', 'account', 'assignment_number', 'number', 'nets_date', 'amount', 'kid', 'archive_reference'), name='uniq_ocr_transaction'),
        ),
    ]
