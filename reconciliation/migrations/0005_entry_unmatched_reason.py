"""Why the automatic matcher left an entry for a person (``StatementEntry.unmatched_reason``).

With a database default too: the import inserts entries with an INSERT … SELECT from its
staging table that does not name the column.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reconciliation', '0004_links_checked_per_statement'),
    ]

    operations = [
        migrations.AddField(
            model_name='statemententry',
            name='unmatched_reason',
            field=models.CharField(blank=True, db_default='', default='', max_length=200, verbose_name='why unmatched'),
        ),
    ]
