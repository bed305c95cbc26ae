"""The database dies in the middle of a camt.053 import and auto-match: nothing half-written,
and the retry imports and matches once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, InterfaceError, connection

from accounts.services import bank_account_create
from ledger.models import ReferenceKind, Voucher, VoucherLine
from ledger.services import LineSpec, voucher_post
from reconciliation.models import Match, Statement, StatementEntry, StatementFile
from reconciliation.services import statement_file_import
from tests.dbfault import count_statements, kill_after
from tests.reconciliation.camtgen import simple_statement

from .test_import import ACCOUNT, DAY, UPLOAD, credit, debit


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", [0.0, 0.3, 0.6, 0.95])
def test_killed_mid_import_leaves_nothing_and_the_retry_imports_once(company_a, point):
    account = bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")
    voucher_post(
        company_a,
        date=DAY,
        text="Innbetaling",
        lines=[
            LineSpec(
                "1920",
                Decimal("100.00"),
                bank_account=account,
                reference_kind=ReferenceKind.KID,
                reference="0000000018",
            ),
            LineSpec("1500", Decimal("-100.00")),
        ],
    )
    data = simple_statement(
        [credit("100.00", "R1", kid="0000000018"), debit("45.00", "R3", charge=True), credit("7.00", "R4")]
    )
    total = count_statements(lambda: statement_file_import(company_a, data, source=UPLOAD))
    assert StatementFile.objects.count() == 0  # the measuring run was rolled back
    vouchers = Voucher.objects.count()

    at = max(1, int(total * point))
    with pytest.raises((DatabaseError, InterfaceError)), kill_after(at) as state:
        statement_file_import(company_a, data, source=UPLOAD)
    assert state["killed"]
    connection.close()

    if StatementFile.objects.exists():
        # Killed while matching: the import had committed, the matching had not.
        assert StatementEntry.objects.count() == 3 and Match.objects.count() == 0
    else:
        assert Statement.objects.count() == 0 and StatementEntry.objects.count() == 0
    assert Voucher.objects.count() == vouchers  # no fee voucher left behind
    assert VoucherLine.objects.filter(ledger_account__startswith="19", open_entry__isnull=True).count() == 0

    # The feed delivers the file again (its cursor did not move): the end state is one import.
    result = statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome in ("imported", "duplicate") and result.matched == 2
    assert StatementEntry.objects.count() == 3 and Match.objects.count() == 2
    assert dict(StatementEntry.objects.values_list("acct_svcr_ref", "matched_rule")) == {
        "R1": "REFERENCE",
        "R3": "FEE",
        "R4": "",
    }
    assert Voucher.objects.count() == vouchers + 1  # the fee, once
    again = statement_file_import(company_a, data, source=UPLOAD)
    assert (again.outcome, again.new, again.matched) == ("duplicate", 0, 0)
