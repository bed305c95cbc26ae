-- The database fills the open-lines queue of reconciliation (ledger_openbankline): every
-- INSERT or COPY of voucher lines puts those on a bank ledger account (1900-1999) into it,
-- with what the matcher reads (the voucher's date, the amount, the reference), once per
-- statement (a transition table). No posting path can leave a bank line out. Matching takes
-- lines out of the queue, unmatching puts them back (ledger.services). See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION ledger_open_bank_lines_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO ledger_openbankline (line_id, company_id, ledger_account, bank_account_id, date, amount, reference_kind, reference)
    SELECT a.id, a.company_id, a.ledger_account, a.bank_account_id, v.date, a.amount,
           a.reference_kind, a.reference
      FROM added AS a JOIN ledger_voucher AS v ON v.id = a.voucher_id
     WHERE a.ledger_account LIKE '19%';
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER ledger_voucherline_open_bank_lines
    AFTER INSERT ON ledger_voucherline REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_open_bank_lines_add();
