"""Ownership checked once per statement instead of once per row at commit.

An import of a 100,000-entry file writes 100,000 entries, matches and links of each kind.
Every foreign key on them queued a deferred check per row, null keys included, and those
700,000 checks ran at COMMIT: about 2.7 s, more than any other step of the import. They give
way to one check per INSERT or UPDATE statement over the statement's new rows (a transition
table), planned for its own row count (one row: index probes; a file: hash joins). The checks
say more than the foreign keys did:

* an entry's statement exists and has the entry's company, bank account and file (the
  copies of 0003 are now enforced, not only tested);
* a matched entry's match exists and is a match of the entry's bank account;
* a matched ledger line's match exists, and the line exists and is the match's company's;
* a match's voucher (fee postings) is its company's, and its user exists.

What the foreign keys also did on the other side, a row trigger does: a statement with
entries, an entry with a match link and a match with links cannot be deleted or re-keyed
(Django deletes a match's links before the match); deleting a user clears ``created_by``
(SET NULL, as the ORM does). Ledger lines and vouchers are never deleted (ledger 0002).

Fewer indexes, as each costs every entry or automatic match one more write: the entry copies
of the company and bank account lose their single-column indexes (the composite indexes and
the unique key lead with them) and so does the file (a file's entries are found through its
statements); a match keeps one index, (company, bank account), for an account's matches
(vouchers are never deleted and users seldom).

SQLite gets the insert checks as row triggers (it has no statement triggers).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



PG_CREATE = """
CREATE OR REPLACE FUNCTION recon_entry_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.statement_id
               FROM (SELECT DISTINCT statement_id, company_id, bank_account_id, file_id
                       FROM recon_entry_rows) AS n
              WHERE NOT EXISTS (SELECT 1 FROM reconciliation_statement AS s
                                 WHERE s.id = n.statement_id AND s.company_id = n.company_id
                                   AND s.bank_account_id = n.bank_account_id AND s.file_id = n.file_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'statement entry refers to statement %, which does not exist or has another company, account or file', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recon_entry_refs_ins AFTER INSERT ON reconciliation_statemententry
    REFERENCING NEW TABLE AS recon_entry_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_entry_refs_check();
CREATE TRIGGER recon_entry_refs_upd AFTER UPDATE ON reconciliation_statemententry
    REFERENCING NEW TABLE AS recon_entry_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_entry_refs_check();

CREATE OR REPLACE FUNCTION recon_matchentry_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.entry_id FROM recon_matchentry_rows AS n
              WHERE NOT EXISTS (SELECT 1 FROM reconciliation_match AS m
                                  JOIN reconciliation_statemententry AS e ON e.bank_account_id = m.bank_account_id
                                 WHERE m.id = n.match_id AND e.id = n.entry_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'matched entry %: the entry or its match does not exist, or they are of different bank accounts', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recon_matchentry_refs_ins AFTER INSERT ON reconciliation_matchentry
    REFERENCING NEW TABLE AS recon_matchentry_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_matchentry_refs_check();
CREATE TRIGGER recon_matchentry_refs_upd AFTER UPDATE ON reconciliation_matchentry
    REFERENCING NEW TABLE AS recon_matchentry_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_matchentry_refs_check();

CREATE OR REPLACE FUNCTION recon_matchline_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.voucher_line_id FROM recon_matchline_rows AS n
              WHERE NOT EXISTS (SELECT 1 FROM reconciliation_match AS m
                                  JOIN ledger_voucherline AS l ON l.company_id = m.company_id
                                 WHERE m.id = n.match_id AND l.id = n.voucher_line_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'matched ledger line %: the line or its match does not exist, or they are of different companies', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recon_matchline_refs_ins AFTER INSERT ON reconciliation_matchline
    REFERENCING NEW TABLE AS recon_matchline_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_matchline_refs_check();
CREATE TRIGGER recon_matchline_refs_upd AFTER UPDATE ON reconciliation_matchline
    REFERENCING NEW TABLE AS recon_matchline_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_matchline_refs_check();

CREATE OR REPLACE FUNCTION recon_match_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.voucher_id FROM (SELECT DISTINCT voucher_id, company_id FROM recon_match_rows
                                        WHERE voucher_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM ledger_voucher AS v
                                 WHERE v.id = n.voucher_id AND v.company_id = n.company_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'match refers to voucher %, which is not a voucher of its company', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE 'SELECT n.created_by_id FROM (SELECT DISTINCT created_by_id FROM recon_match_rows
                                           WHERE created_by_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM auth_user AS u WHERE u.id = n.created_by_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'match refers to user %, who does not exist', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recon_match_refs_ins AFTER INSERT ON reconciliation_match
    REFERENCING NEW TABLE AS recon_match_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_match_refs_check();
CREATE TRIGGER recon_match_refs_upd AFTER UPDATE ON reconciliation_match
    REFERENCING NEW TABLE AS recon_match_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_match_refs_check();

-- The other side: what is referred to stays in place.
CREATE OR REPLACE FUNCTION recon_referenced_guard() RETURNS trigger AS $$
DECLARE
    found boolean;
BEGIN
    IF TG_TABLE_NAME = 'reconciliation_statement' THEN
        found := EXISTS (SELECT 1 FROM reconciliation_statemententry WHERE statement_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'reconciliation_statemententry' THEN
        found := EXISTS (SELECT 1 FROM reconciliation_matchentry WHERE entry_id = OLD.id);
    ELSE
        found := EXISTS (SELECT 1 FROM reconciliation_matchentry WHERE match_id = OLD.id)
              OR EXISTS (SELECT 1 FROM reconciliation_matchline WHERE match_id = OLD.id);
    END IF;
    IF found THEN
        RAISE EXCEPTION '% row % is referred to: it cannot be deleted or re-keyed', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recon_statement_referenced_del BEFORE DELETE ON reconciliation_statement
    FOR EACH ROW EXECUTE FUNCTION recon_referenced_guard();
CREATE TRIGGER recon_statement_referenced_upd BEFORE UPDATE OF id, company_id, bank_account_id, file_id
    ON reconciliation_statement FOR EACH ROW
    WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id
          OR OLD.bank_account_id <> NEW.bank_account_id OR OLD.file_id <> NEW.file_id)
    EXECUTE FUNCTION recon_referenced_guard();
CREATE TRIGGER recon_entry_referenced_del BEFORE DELETE ON reconciliation_statemententry
    FOR EACH ROW EXECUTE FUNCTION recon_referenced_guard();
CREATE TRIGGER recon_entry_referenced_upd BEFORE UPDATE OF id, bank_account_id
    ON reconciliation_statemententry FOR EACH ROW
    WHEN (OLD.id <> NEW.id OR OLD.bank_account_id <> NEW.bank_account_id)
    EXECUTE FUNCTION recon_referenced_guard();
CREATE TRIGGER recon_match_referenced_del BEFORE DELETE ON reconciliation_match
    FOR EACH ROW EXECUTE FUNCTION recon_referenced_guard();
CREATE TRIGGER recon_match_referenced_upd BEFORE UPDATE OF id, company_id, bank_account_id
    ON reconciliation_match FOR EACH ROW
    WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id OR OLD.bank_account_id <> NEW.bank_account_id)
    EXECUTE FUNCTION recon_referenced_guard();

CREATE OR REPLACE FUNCTION recon_user_deleted() RETURNS trigger AS $$
BEGIN
    UPDATE reconciliation_match SET created_by_id = NULL WHERE created_by_id = OLD.id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recon_match_user_deleted BEFORE DELETE ON auth_user
    FOR EACH ROW EXECUTE FUNCTION recon_user_deleted();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS recon_match_user_deleted ON auth_user;
DROP FUNCTION IF EXISTS recon_user_deleted();
DROP TRIGGER IF EXISTS recon_statement_referenced_del ON reconciliation_statement;
DROP TRIGGER IF EXISTS recon_statement_referenced_upd ON reconciliation_statement;
DROP TRIGGER IF EXISTS recon_entry_referenced_del ON reconciliation_statemententry;
DROP TRIGGER IF EXISTS recon_entry_referenced_upd ON reconciliation_statemententry;
DROP TRIGGER IF EXISTS recon_match_referenced_del ON reconciliation_match;
DROP TRIGGER IF EXISTS recon_match_referenced_upd ON reconciliation_match;
DROP FUNCTION IF EXISTS recon_referenced_guard();
DROP TRIGGER IF EXISTS recon_match_refs_ins ON reconciliation_match;
DROP TRIGGER IF EXISTS recon_match_refs_upd ON reconciliation_match;
DROP FUNCTION IF EXISTS recon_match_refs_check();
DROP TRIGGER IF EXISTS recon_matchline_refs_ins ON reconciliation_matchline;
DROP TRIGGER IF EXISTS recon_matchline_refs_upd ON reconciliation_matchline;
DROP FUNCTION IF EXISTS recon_matchline_refs_check();
DROP TRIGGER IF EXISTS recon_matchentry_refs_ins ON reconciliation_matchentry;
DROP TRIGGER IF EXISTS recon_matchentry_refs_upd ON reconciliation_matchentry;
DROP FUNCTION IF EXISTS recon_matchentry_refs_check();
DROP TRIGGER IF EXISTS recon_entry_refs_ins ON reconciliation_statemententry;
DROP TRIGGER IF EXISTS recon_entry_refs_upd ON reconciliation_statemententry;
DROP FUNCTION IF EXISTS recon_entry_refs_check();
"""
SQLITE_CREATE = [
    "CREATE TRIGGER recon_entry_refs_ins BEFORE INSERT ON reconciliation_statemententry "
    "WHEN NOT EXISTS (SELECT 1 FROM reconciliation_statement WHERE id = NEW.statement_id "
    "AND company_id = NEW.company_id AND bank_account_id = NEW.bank_account_id AND file_id = NEW.file_id) "
    "BEGIN SELECT RAISE(ABORT, 'statement entry refers to a statement that is not its own'); END;",
    "CREATE TRIGGER recon_matchentry_refs_ins BEFORE INSERT ON reconciliation_matchentry "
    "WHEN NOT EXISTS (SELECT 1 FROM reconciliation_match AS m JOIN reconciliation_statemententry AS e "
    "ON e.bank_account_id = m.bank_account_id WHERE m.id = NEW.match_id AND e.id = NEW.entry_id) "
    "BEGIN SELECT RAISE(ABORT, 'matched entry: the entry or its match does not exist'); END;",
    "CREATE TRIGGER recon_matchline_refs_ins BEFORE INSERT ON reconciliation_matchline "
    "WHEN NOT EXISTS (SELECT 1 FROM reconciliation_match AS m JOIN ledger_voucherline AS l "
    "ON l.company_id = m.company_id WHERE m.id = NEW.match_id AND l.id = NEW.voucher_line_id) "
    "BEGIN SELECT RAISE(ABORT, 'matched ledger line: the line or its match does not exist'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS recon_entry_refs_ins;",
    "DROP TRIGGER IF EXISTS recon_matchentry_refs_ins;",
    "DROP TRIGGER IF EXISTS recon_matchline_refs_ins;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('companies', '0002_audit_append_only'),
        ('ledger', '0005_voucherline_fewer_indexes'),
        ('reconciliation', '0003_denormalised_copies_unconstrained'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='match',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='match',
            name='voucher',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher'),
        ),
        migrations.AlterField(
            model_name='matchentry',
            name='entry',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='match_link', to='reconciliation.statemententry'),
        ),
        migrations.AlterField(
            model_name='matchentry',
            name='match',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='entry_links', to='reconciliation.match'),
        ),
        migrations.AlterField(
            model_name='matchline',
            name='match',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='line_links', to='reconciliation.match'),
        ),
        migrations.AlterField(
            model_name='matchline',
            name='voucher_line',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucherline'),
        ),
        migrations.AlterField(
            model_name='statemententry',
            name='bank_account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount'),
        ),
        migrations.AlterField(
            model_name='statemententry',
            name='company',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='statemententry',
            name='statement',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='reconciliation.statement'),
        ),
        migrations.AlterField(
            model_name='match',
            name='bank_account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.bankaccount'),
        ),
        migrations.AlterField(
            model_name='match',
            name='company',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='match',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='match',
            name='voucher',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher'),
        ),
        migrations.AlterField(
            model_name='statemententry',
            name='file',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='reconciliation.statementfile'),
        ),
        migrations.AddIndex(
            model_name='match',
            index=models.Index(fields=['company', 'bank_account'], name='reconciliat_company_cffced_idx'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
