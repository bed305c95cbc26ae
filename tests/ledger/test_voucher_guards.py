"""What ledger/sql/voucher_immutable.sql refuses past the services: deleting a posted voucher or
line, and editing a line in what it says; an UPDATE of nothing it guards is let through."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from ledger.models import Voucher, VoucherLine
from ledger.services import LineSpec, voucher_post

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def voucher(company_a):
    return voucher_post(
        company_a, date=TODAY, text="a", lines=[LineSpec("1920", "10"), LineSpec("3000", "-10")]
    )


def _refused(sql: str, pk: int, message: str) -> None:
    with (
        pytest.raises(DatabaseError, match=message),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [pk])


def test_a_posted_voucher_and_its_lines_cannot_be_deleted(voucher):
    line = voucher.lines.first()
    _refused("DELETE FROM ledger_voucherline WHERE id = %s", line.pk, "never deleted")
    _refused("DELETE FROM ledger_voucher WHERE id = %s", voucher.pk, r"never edited or deleted \(DELETE")
    assert Voucher.objects.filter(pk=voucher.pk).exists() and voucher.lines.count() == 2


def test_a_line_cannot_be_moved_to_another_voucher_or_reference(voucher, company_a):
    other = voucher_post(
        company_a, date=TODAY, text="b", lines=[LineSpec("1920", "5"), LineSpec("3000", "-5")]
    )
    line = voucher.lines.first()
    for change in ({"voucher_id": other.pk}, {"reference": "0000001230"}, {"ledger_account": "1950"}):
        with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
            VoucherLine.objects.filter(pk=line.pk).update(**change)
    # The guard fires only for an UPDATE of a guarded column (UPDATE OF): the text is not one.
    assert VoucherLine.objects.filter(pk=line.pk).update(text="Innbetaling") == 1
    assert VoucherLine.objects.get(pk=line.pk).amount == Decimal("10")
