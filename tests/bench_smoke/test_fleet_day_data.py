"""The fleet day's population (bench/fleet_day_data.py) is what the portal and the bank accept:
valid, distinct organisation and account numbers, valid KIDs, and both seeders get the same
numbers for the same company. A correctness check at five companies, not a timed test."""

from stdnum.no import kontonr, orgnr

from bench import fleet_day_data as data


def test_numbers_are_valid_and_distinct():
    accounts = data.account_numbers(5)
    flat = [n for company in accounts for n in company]
    assert len(accounts) == 5 and all(len(c) == data.ACCOUNTS_PER_COMPANY for c in accounts)
    assert len(set(flat)) == len(flat) and all(kontonr.is_valid(n) for n in flat)
    orgs = [data.org_number(i) for i in range(5)]
    assert len(set(orgs)) == 5 and all(orgnr.is_valid(o) for o in orgs)
    creditors = data.creditor_accounts(data.PAYMENTS_PER_BATCH)
    assert all(kontonr.is_valid(n) for n in creditors) and not set(creditors) & set(flat)


def test_kid_payments_are_the_same_on_both_sides():
    first = [data.kid_payments(i) for i in range(5)]
    again = [data.kid_payments(i) for i in range(5)]
    assert first == again  # the bank's seeder and the portal's compute them apart
    kids = [p.kid for company in first for p in company]
    assert len(set(kids)) == 5 * data.KID_PAYMENTS_PER_COMPANY
    assert all(len(k) == data.KID_LENGTH and _luhn(k) for k in kids)
    assert all(p.amount > 0 and p.amount == p.amount.quantize(p.amount) for c in first for p in c)
    assert data.account_numbers(5) == data.account_numbers(5)


def _luhn(number: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(number)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0
