"""The automatic matcher: each rule on small hand-made cases, then properties over random data.

A wrong automatic match hides an error that nobody looks at again, so besides "it matches
what it should", the tests pin what it must refuse: ambiguity (two candidates), sums that do
not agree, opposite signs, reversals, anything matched twice. Hypothesis then checks the
invariants on random mixes of all rules, and a timing test keeps the matcher near-linear.
"""

import itertools
import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.matching import (
    BankEntry,
    BankingCalendar,
    LedgerLine,
    Rule,
    Why,
    match_entries,
    norwegian_public_holidays,
)

ACCOUNT = "86011117947"
OTHER = "12345678903"
MON = date(2025, 3, 3)  # a Monday


def D(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def entry(id, amount, day=MON, **kwargs):
    return BankEntry(
        id=id, account=kwargs.pop("account", ACCOUNT), booking_date=day, amount=D(amount), **kwargs
    )


def line(id, amount, day=MON, kind=None, ref=None, account=ACCOUNT):
    return LedgerLine(id=id, account=account, date=day, amount=D(amount), reference_kind=kind, reference=ref)


def by_rule(result):
    return {(m.rule, m.entry_ids, m.line_ids) for m in result.matches}


# --- the calendar -------------------------------------------------------------------------


def test_banking_days_skip_weekends_norwegian_holidays_and_bank_closing_days():
    cal = BankingCalendar()
    assert cal.is_banking_day(date(2025, 3, 3))
    assert not cal.is_banking_day(date(2025, 3, 8))  # Saturday
    assert not cal.is_banking_day(date(2025, 5, 17))  # Grunnlovsdag
    assert not cal.is_banking_day(date(2025, 4, 17))  # Skjærtorsdag
    assert not cal.is_banking_day(date(2025, 4, 21))  # 2. påskedag
    assert not cal.is_banking_day(date(2025, 12, 24))  # julaften: the banks are closed
    assert not cal.is_banking_day(date(2025, 12, 31))  # nyttårsaften likewise
    numbers = cal.day_numbers([date(2025, 4, 15), date(2025, 4, 16), date(2025, 4, 22)])
    # Wednesday before Easter to the Tuesday after: only one banking day between them.
    assert numbers[date(2025, 4, 22)] - numbers[date(2025, 4, 16)] == 1


def test_norwegian_public_holidays_agree_with_the_holidays_package():
    import holidays

    for year in range(1990, 2101):
        expected = frozenset(holidays.country_holidays("NO", years=year, include_sundays=False))
        assert norwegian_public_holidays(year) == expected, year


# --- rule 1: EndToEndId -------------------------------------------------------------------


def test_e2e_matches_the_payment_line_even_when_another_line_has_the_same_amount():
    result = match_entries(
        [entry("e1", -500, end_to_end_ids=("E2E-1",))],
        [line("l1", -500, kind="E2E", ref="E2E-1"), line("l2", -500)],
    )
    assert by_rule(result) == {(Rule.E2E, ("e1",), ("l1",))}
    assert [u.id for u in result.unmatched_lines] == ["l2"]


def test_batch_booking_matches_all_its_payments_and_proposes_the_charges_as_a_fee():
    # DBIT 1010 for three payments of 1000 in total: the bank took a fee of 10.
    batch = entry("e1", -1010, end_to_end_ids=("A", "B", "C"), charges=D(10))
    lines = [
        line("a", -600, kind="E2E", ref="A"),
        line("b", -300, kind="E2E", ref="B"),
        line("c", -100, kind="E2E", ref="C"),
    ]
    result = match_entries([batch], lines)
    (match,) = result.matches
    assert (match.rule, match.line_ids, match.amount) == (Rule.E2E, ("a", "b", "c"), D(-1000))
    (fee,) = result.fee_postings
    assert (fee.rule, fee.entry_id, fee.amount) == (Rule.FEE, "e1", D(-10))
    assert match.amount + fee.amount == batch.amount


UETR = "8a562c67-ca16-48ba-b074-65581be6f001"


def test_a_payment_abroad_named_by_its_uetr_only_matches_its_e2e_line():
    # Two lines of the same amount: only the UETR tells them apart.
    lines = [line("l1", -11720, kind="E2E", ref="E2E-EUR-1"), line("l2", -11720)]
    result = match_entries([entry("e1", -11720, uetrs=(UETR,))], lines, uetr_end_to_end={UETR: "E2E-EUR-1"})
    assert by_rule(result) == {(Rule.E2E, ("e1",), ("l1",))}
    # Without knowing the UETR's payment, nothing is matched by guesswork.
    unknown = match_entries([entry("e1", -11720, uetrs=(UETR,))], lines)
    assert unknown.matches == ()


def test_a_batch_booking_with_one_payment_by_e2e_and_one_by_uetr_only_matches_both():
    result = match_entries(
        [entry("e1", -300, end_to_end_ids=("E2E-1",), uetrs=(UETR,))],
        [line("l1", -100, kind="E2E", ref="E2E-1"), line("l2", -200, kind="E2E", ref="E2E-2")],
        uetr_end_to_end={UETR: "E2E-2"},
    )
    assert by_rule(result) == {(Rule.E2E, ("e1",), ("l1", "l2"))}


def test_e2e_with_a_different_amount_is_left_for_a_person_and_not_matched_by_amount_later():
    result = match_entries(
        [entry("e1", -499, end_to_end_ids=("E2E-1",))],
        [line("l1", -500, kind="E2E", ref="E2E-1"), line("l2", -499)],
    )
    assert result.matches == ()
    (unmatched,) = result.unmatched_entries
    assert "sum to -500.00" in unmatched.reason and "booked -499.00" in unmatched.reason


def test_e2e_never_matches_a_line_of_the_opposite_sign():
    # A returned payment (a reversal) carries the original EndToEndId but is a credit.
    returned = entry("back", 500, end_to_end_ids=("E2E-1",), reversal=True)
    result = match_entries([returned], [line("l1", -500, kind="E2E", ref="E2E-1")])
    assert result.matches == ()
    assert "reversal" in result.unmatched_entries[0].reason


def test_two_open_lines_with_one_e2e_are_ambiguous():
    result = match_entries(
        [entry("e1", -5, end_to_end_ids=("X",))],
        [line("l1", -5, kind="E2E", ref="X"), line("l2", -5, kind="E2E", ref="X")],
    )
    assert result.matches == ()
    assert "2 open ledger lines" in result.unmatched_entries[0].reason


# --- rule 2: OCR assignments --------------------------------------------------------------


def test_ocr_assignment_total_matches_the_one_credit_by_reference():
    lines = [
        line(f"l{k}", amount, kind="OCR_ASSIGNMENT", ref="OCR-7")
        for k, amount in enumerate([100, 250.5, 49.5])
    ]
    result = match_entries([entry("e1", 400, references=("OCR-7",))], lines)
    (match,) = result.matches
    assert (match.rule, match.entry_ids, set(match.line_ids), match.amount) == (
        Rule.OCR_ASSIGNMENT,
        ("e1",),
        {"l0", "l1", "l2"},
        D(400),
    )


def test_ocr_assignment_without_reference_matches_the_only_credit_with_its_total():
    lines = [
        line("l1", 300, MON, kind="OCR_ASSIGNMENT", ref="A1"),
        line("l2", 200, MON, kind="OCR_ASSIGNMENT", ref="A1"),
    ]
    result = match_entries([entry("e1", 500, MON + timedelta(days=1)), entry("e2", 300)], lines)
    assert by_rule(result) == {(Rule.OCR_ASSIGNMENT, ("e1",), ("l1", "l2"))}
    # The single OCR transactions are never matched one by one: e2 (300) stays open.
    assert [u.id for u in result.unmatched_entries] == ["e2"]


def test_ocr_total_that_differs_is_not_matched():
    lines = [
        line("l1", 300, kind="OCR_ASSIGNMENT", ref="A1"),
        line("l2", 200, kind="OCR_ASSIGNMENT", ref="A1"),
    ]
    result = match_entries([entry("e1", 499, references=("A1",))], lines)
    assert result.matches == ()
    assert "totals 500.00" in result.unmatched_entries[0].reason


# --- rule 3: KID and invoice reference -------------------------------------------------------


def test_kid_matches_the_payment_line_and_invoice_numbers_when_there_is_no_kid():
    result = match_entries(
        [entry("e1", 1250, kids=("123456782",)), entry("e2", 80, references=("10023",))],
        [
            line("l1", 1250, MON + timedelta(days=10), kind="KID", ref="123456782"),
            line("l2", 80, kind="INVOICE", ref="10023"),
        ],
    )
    assert by_rule(result) == {(Rule.REFERENCE, ("e1",), ("l1",)), (Rule.REFERENCE, ("e2",), ("l2",))}


def test_one_entry_with_several_kids_settles_every_line_when_the_sum_agrees():
    # Issue 20 item 8: one payment for several invoices carries one KID per invoice.
    result = match_entries(
        [
            entry("e1", 350, kids=("K1", "K2")),  # 100 + 250: both
            entry("e2", 150, kids=("K3", "K4")),  # K4 is on no open line
            entry("e3", 90, kids=("K5", "K6")),  # 40 + 40 ≠ 90
        ],
        [
            line("l1", 100, kind="KID", ref="K1"),
            line("l2", 250, kind="KID", ref="K2"),
            line("l3", 150, kind="KID", ref="K3"),
            line("l5", 40, kind="KID", ref="K5"),
            line("l6", 40, kind="KID", ref="K6"),
        ],
    )
    assert by_rule(result) == {(Rule.REFERENCE, ("e1",), ("l1", "l2"))}
    assert [m.amount for m in result.matches] == [D(350)]
    why = {u.id: (u.code, dict(u.params)) for u in result.unmatched_entries}
    assert why["e2"] == (
        Why.REFERENCE_PARTIAL,
        {"rule": "REFERENCE", "found": 1, "wanted": 2, "missing": "K4"},
    )
    assert why["e3"][0] == Why.REFERENCE_SUM and why["e3"][1]["total"] == D(80)


def test_kid_on_a_line_of_another_account_does_not_match():
    result = match_entries(
        [entry("e1", 10, kids=("0000531",))], [line("l1", 10, kind="KID", ref="0000531", account=OTHER)]
    )
    assert result.matches == ()


# --- rule 4: amount and date --------------------------------------------------------------


def test_amount_and_date_within_three_banking_days():
    friday = MON + timedelta(days=4)
    result = match_entries(
        [entry("e1", 700, friday + timedelta(days=3))],  # the Monday after: 1 banking day away
        [line("l1", 700, friday)],
    )
    assert by_rule(result) == {(Rule.AMOUNT_DATE, ("e1",), ("l1",))}


def test_amount_and_date_outside_the_window_is_not_matched():
    result = match_entries(
        [entry("e1", 700, MON + timedelta(days=7))], [line("l1", 700, MON)]
    )  # 5 banking days
    assert result.matches == ()
    assert "no ledger line of 700.00" in result.unmatched_entries[0].reason


def test_amount_and_date_with_two_candidate_lines_is_ambiguous():
    result = match_entries([entry("e1", 700)], [line("l1", 700), line("l2", 700, MON + timedelta(days=1))])
    assert result.matches == ()
    assert "2 ledger lines of 700.00" in result.unmatched_entries[0].reason


def test_amount_and_date_with_two_candidate_entries_is_ambiguous():
    result = match_entries([entry("e1", 700), entry("e2", 700, MON + timedelta(days=2))], [line("l1", 700)])
    assert result.matches == ()
    assert {u.id for u in result.unmatched_entries} == {"e1", "e2"}
    assert all("also fits another bank entry" in u.reason for u in result.unmatched_entries)


def test_unmatched_entries_carry_a_code_and_its_params_for_the_service_to_word():
    result = match_entries(
        [entry("e1", 700), entry("e2", 80), entry("e3", 5, kids=("X",))],
        [
            line("l1", 700),
            line("l2", 700, MON + timedelta(days=1)),
            line("k1", 5, kind="KID", ref="X"),
            line("k2", 5, kind="KID", ref="X"),
        ],
    )
    why = {u.id: (u.code, dict(u.params)) for u in result.unmatched_entries}
    assert why == {
        "e1": (Why.AMOUNT_DATE_AMBIGUOUS, {"count": 2, "amount": D(700), "window": 3}),
        "e2": (Why.NO_CANDIDATE, {"amount": D(80), "window": 3}),
        "e3": (Why.REFERENCE_AMBIGUOUS, {"rule": "REFERENCE", "count": 2, "reference": "X"}),
    }


def test_amount_and_date_needs_the_same_sign_and_account():
    result = match_entries(
        [entry("e1", 700), entry("e2", -50)], [line("l1", -700), line("l2", -50, account=OTHER)]
    )
    assert result.matches == ()


# --- rule 5: fees ---------------------------------------------------------------------------


def test_bank_charges_become_fee_postings_not_amount_matches():
    result = match_entries([entry("fee", -45, is_charge=True)], [line("l1", -45)])
    assert result.matches == ()
    (fee,) = result.fee_postings
    assert (fee.entry_id, fee.amount, fee.account, fee.booking_date) == ("fee", D(-45), ACCOUNT, MON)
    assert result.unmatched_entries == ()
    assert [u.id for u in result.unmatched_lines] == ["l1"]


# --- properties ---------------------------------------------------------------------------

amounts = st.integers(min_value=-50_000, max_value=50_000).filter(bool).map(lambda ore: Decimal(ore) / 100)
days = st.integers(min_value=0, max_value=20).map(lambda n: MON + timedelta(days=n))
refs = st.sampled_from(["R1", "R2", "R3", "R4"])


@st.composite
def scenarios(draw):
    entries = []
    for k in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["plain", "e2e", "kid", "ocr", "fee", "batch"]))
        amount = draw(amounts)
        kwargs = {}
        if kind == "e2e":
            kwargs["end_to_end_ids"] = (draw(refs),)
        elif kind == "kid":
            kwargs["kids"] = (draw(refs),)
        elif kind == "ocr":
            kwargs["references"] = (draw(refs),)
        elif kind == "fee":
            kwargs["is_charge"] = True
        elif kind == "batch":
            kwargs["end_to_end_ids"] = tuple(draw(st.lists(refs, min_size=1, max_size=3, unique=True)))
            kwargs["charges"] = draw(st.sampled_from([D(0), D(2.5)]))
        entries.append(
            BankEntry(
                k,
                draw(st.sampled_from([ACCOUNT, OTHER])),
                draw(days),
                amount,
                reversal=draw(st.booleans()),
                **kwargs,
            )
        )
    lines = []
    for k in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from([None, "E2E", "KID", "INVOICE", "OCR_ASSIGNMENT"]))
        lines.append(
            LedgerLine(
                1000 + k,
                draw(st.sampled_from([ACCOUNT, OTHER])),
                draw(days),
                draw(amounts),
                kind,
                draw(refs) if kind else None,
            )
        )
    # Sometimes copy entries' amounts to lines, so matches actually happen.
    for entry_ in entries[: draw(st.integers(0, len(entries)))]:
        kind = draw(st.sampled_from([None, "E2E", "KID", "OCR_ASSIGNMENT"]))
        ref = (entry_.end_to_end_ids or entry_.kids or entry_.references or (None,))[0]
        lines.append(
            LedgerLine(
                2000 + len(lines),
                entry_.account,
                entry_.booking_date,
                entry_.amount,
                kind if ref else None,
                ref,
            )
        )
    return entries, lines


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_matcher_invariants(scenario):
    entries, lines = scenario
    result = match_entries(entries, lines)
    entry_by_id = {e.id: e for e in entries}
    line_by_id = {line_.id: line_ for line_ in lines}

    used_entries = [i for m in result.matches for i in m.entry_ids] + [
        f.entry_id for f in result.fee_postings if entry_by_id[f.entry_id].is_charge
    ]
    used_lines = [i for m in result.matches for i in m.line_ids]
    assert len(used_entries) == len(set(used_entries)), "an entry matched twice"
    assert len(used_lines) == len(set(used_lines)), "a ledger line matched twice"

    for m in result.matches:
        (eid,) = m.entry_ids
        e = entry_by_id[eid]
        matched = [line_by_id[i] for i in m.line_ids]
        assert m.amount == sum(line_.amount for line_ in matched)
        assert m.amount == e.amount + e.charges, "the sums of a match must agree"
        assert all(line_.account == e.account for line_ in matched)
        assert all((line_.amount > 0) == (e.amount > 0) for line_ in matched)
        if m.rule == Rule.AMOUNT_DATE:
            assert not e.reversal and not e.is_charge
    for fee in result.fee_postings:
        e = entry_by_id[fee.entry_id]
        assert fee.amount == (e.amount if e.is_charge else -e.charges)

    # Every entry and line is accounted for exactly once: matched, proposed as a fee, or unmatched with a reason.
    unmatched_entries = {u.id for u in result.unmatched_entries}
    assert unmatched_entries.isdisjoint(used_entries)
    assert unmatched_entries | set(used_entries) == set(entry_by_id)
    assert {u.id for u in result.unmatched_lines} | set(used_lines) == set(line_by_id)
    assert all(u.reason for u in result.unmatched_entries + result.unmatched_lines)

    # Deterministic, whatever order the rows come in.
    shuffled = random.Random(len(entries) * 31 + len(lines))
    entries2, lines2 = list(entries), list(lines)
    shuffled.shuffle(entries2)
    shuffled.shuffle(lines2)
    assert match_entries(entries2, lines2) == result


@settings(max_examples=150, deadline=None)
@given(
    amount=amounts,
    entry_day=days,
    offsets=st.lists(st.integers(-3, 3), min_size=2, max_size=4),
    two_entries=st.booleans(),
)
def test_amount_date_never_matches_with_two_candidates(amount, entry_day, offsets, two_entries):
    # Several lines (or, mirrored, several entries) of one amount within the window of one
    # counterpart: no amount+date match, ever.
    cal = BankingCalendar()
    near = [entry_day + timedelta(days=o) for o in offsets]
    near = [
        d
        for d in near
        if abs(cal.day_numbers([d, entry_day])[d] - cal.day_numbers([d, entry_day])[entry_day]) <= 3
    ]
    if len(near) < 2:
        return
    if two_entries:
        result = match_entries(
            [entry(k, amount, d) for k, d in enumerate(near)], [line("l", amount, entry_day)]
        )
    else:
        result = match_entries(
            [entry("e", amount, entry_day)], [line(k, amount, d) for k, d in enumerate(near)]
        )
    assert not any(m.rule == Rule.AMOUNT_DATE for m in result.matches)


# --- speed ----------------------------------------------------------------------------------


def synthetic(n: int, seed: int = 1):
    """n entries and about 1.2 n lines mixing every rule, on one account over a year."""
    rng = random.Random(seed)
    entries, lines = [], []
    for i in range(n):
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        amount = Decimal(rng.randint(100, 10_000_000)) / 100
        kind = i % 5
        if kind == 0:
            entries.append(BankEntry(i, ACCOUNT, day, -amount, end_to_end_ids=(f"E{i}",)))
            lines.append(LedgerLine(len(lines), ACCOUNT, day, -amount, "E2E", f"E{i}"))
        elif kind == 1:
            entries.append(BankEntry(i, ACCOUNT, day, amount, kids=(f"{i:08d}",)))
            lines.append(LedgerLine(len(lines), ACCOUNT, day, amount, "KID", f"{i:08d}"))
        elif kind == 2:
            parts = [amount, (amount / 4).quantize(Decimal("0.01"))]
            entries.append(BankEntry(i, ACCOUNT, day, sum(parts), references=(f"OCR{i}",)))
            first = len(lines)
            lines.extend(
                [
                    LedgerLine(first + k, ACCOUNT, day, p, "OCR_ASSIGNMENT", f"OCR{i}")
                    for k, p in enumerate(parts)
                ]
            )
        elif kind == 3:
            entries.append(BankEntry(i, ACCOUNT, day, amount))
            lines.append(LedgerLine(len(lines), ACCOUNT, day + timedelta(days=rng.randrange(3)), amount))
        else:
            entries.append(BankEntry(i, ACCOUNT, day, Decimal("-45.00"), is_charge=True))
            lines.append(LedgerLine(len(lines), ACCOUNT, day, Decimal(rng.randint(100, 10_000)) / 100))
    return entries, lines


def test_matching_a_large_synthetic_book_finds_every_rule():
    # Its speed and near-linear growth are measured by `make bench` (bench/reconciliation_matching.py).
    n = 4_000
    entries, lines = synthetic(n)
    result = match_entries(entries, lines)
    rules = Counter(m.rule for m in result.matches)
    assert rules[Rule.E2E] == rules[Rule.REFERENCE] == rules[Rule.OCR_ASSIGNMENT] == n // 5
    assert rules[Rule.AMOUNT_DATE] >= n // 5 * 0.99  # random amounts rarely collide
    assert len(result.fee_postings) == n // 5


def test_invoice_number_is_tried_when_the_kid_is_unknown():
    result = match_entries(
        [entry("e1", 80, kids=("999999999",), references=("10023",))],
        [line("l1", 80, kind="INVOICE", ref="10023")],
    )
    assert by_rule(result) == {(Rule.REFERENCE, ("e1",), ("l1",))}


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="own id"):
        match_entries([entry("e1", 1), entry("e1", 2)], [])


def test_a_ledger_line_at_the_ends_of_the_calendar_does_not_stop_the_matcher():
    """Was a gap: a voucher dated 9999-12-31 made day_numbers overflow (OverflowError) and stopped
    the bank feed for every company."""
    entries = [entry(1, "100.00"), entry(2, "250.00")]
    lines = [
        line(10, "100.00"),
        line(11, "250.00", day=date(9999, 12, 31)),
        line(12, "250.00", day=date(1, 1, 1)),
    ]
    result = match_entries(entries, lines)
    assert [(m.rule, m.entry_ids, m.line_ids) for m in result.matches] == [(Rule.AMOUNT_DATE, (1,), (10,))]
    assert {u.id for u in result.unmatched_entries} == {2}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(), min_size=1, max_size=6))
def test_day_numbers_are_total_and_exact_within_a_year(days):
    cal = BankingCalendar()
    numbers = cal.day_numbers(days)
    ordered = sorted(set(days))
    assert [numbers[d] for d in ordered] == sorted(numbers[d] for d in ordered)  # monotone
    for a, b in itertools.pairwise(ordered):
        if (b - a).days <= 400:
            exact = sum(1 for k in range(1, (b - a).days + 1) if cal.is_banking_day(a + timedelta(days=k)))
            assert numbers[b] - numbers[a] == exact
        else:
            assert numbers[b] - numbers[a] > 250  # far outside any matching window
