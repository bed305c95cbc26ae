-- The check of the foreign keys a table has no database constraint for, once per INSERT or
-- UPDATE statement over its new rows (a transition table, which the trigger names new_rows)
-- instead of once per row at commit: imports write 100,000 rows in one statement. Each
-- trigger names the references it stands in for, four arguments each:
-- * the row's column (a NULL names nothing) and the table whose id it names;
-- * the columns the named row must share with the row: usually 'company_id', '' for none;
-- * 'distinct' where many new rows name the same row (each is looked up once), 'all' where
--   each names a row of its own (the rows are checked as they are, one hash join for a file).
-- One query per reference, as dynamic SQL so that each statement is planned for its own row
-- count. See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION bankint_refs_check() RETURNS trigger AS $$
DECLARE
    shared text[];
    bad bigint;
BEGIN
    FOR i IN 0 .. TG_NARGS - 1 BY 4 LOOP
        IF TG_ARGV[i + 3] NOT IN ('distinct', 'all') THEN
            RAISE EXCEPTION 'trigger %: ''distinct'' or ''all'', not %', TG_NAME, TG_ARGV[i + 3];
        END IF;
        shared := string_to_array(replace(TG_ARGV[i + 2], ' ', ''), ',');
        EXECUTE format(
            'SELECT n.%1$I FROM (SELECT %5$s %1$I%3$s FROM new_rows WHERE %1$I IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM %2$I AS r WHERE r.id = n.%1$I%4$s) LIMIT 1',
            TG_ARGV[i], TG_ARGV[i + 1],
            (SELECT string_agg(format(', %I', c), '') FROM unnest(shared) AS c),
            (SELECT string_agg(format(' AND r.%1$I = n.%1$I', c), '') FROM unnest(shared) AS c),
            upper(TG_ARGV[i + 3])
        ) INTO bad;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION '%.% = % names no % row%', TG_TABLE_NAME, TG_ARGV[i], bad, TG_ARGV[i + 1],
                coalesce(' with the same ' || nullif(array_to_string(shared, ', '), ''), '')
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
