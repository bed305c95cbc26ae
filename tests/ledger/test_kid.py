"""KID rules (MOD10 and MOD11, ``ledger/kid.py``): vectors, and properties over generated KIDs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import kid

FAST = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("value", "algorithm"), [("123456782", "MOD10"), ("123456785", "MOD11"), ("0000531", "MOD11")]
)
def test_domain_vectors_validate(value, algorithm):
    assert kid.is_valid(value, algorithm)
    assert kid.is_valid(value)  # either algorithm accepted on input


def test_domain_invalid_vector_and_problems():
    assert kid.problem("123456783") is kid.KidProblem.CHECK_DIGIT
    assert kid.problem("12345678A") is kid.KidProblem.NOT_DIGITS
    assert kid.problem("1") is kid.KidProblem.LENGTH
    assert kid.problem("1" * 26) is kid.KidProblem.LENGTH
    assert kid.problem("") is kid.KidProblem.EMPTY
    assert kid.problem("1234 5678 2") is None  # spaces as payers write them


def test_mod11_dash_is_accepted_on_input_but_never_generated():
    # 0000001?: weights 2..7 from the right; find a body whose check is "-" and accept it.
    body = next(f"{n:06d}" for n in range(10**6) if kid.mod11_check_digit(f"{n:06d}") == "-")
    assert kid.is_valid(body + "-", "MOD11")
    layout = kid.Layout(7, kid.Algorithm.MOD11)
    assert all(kid.generate(layout, n)[-1] != "-" for n in range(10**layout.invoice_capacity))


layouts = st.builds(
    lambda length, algorithm, customer: kid.Layout(length, algorithm, min(customer, length - 3)),
    st.integers(kid.GENERATED_MIN, kid.GENERATED_MAX),
    st.sampled_from(list(kid.Algorithm)),
    st.integers(0, 10),
)


@FAST
@given(layout=layouts, data=st.data())
def test_every_generated_kid_validates_and_decodes(layout, data):
    invoice = data.draw(st.integers(0, layout.max_invoice_number()))
    customer = data.draw(st.integers(0, layout.max_customer_number())) if layout.customer_digits else 0
    value = kid.generate(layout, invoice, customer)
    assert len(value) == layout.length
    assert value.isdigit()  # never a "-"
    assert kid.is_valid(value, layout.algorithm)
    assert kid.decode(layout, value) == (customer, invoice)


@FAST
@given(layout=layouts, data=st.data())
def test_generated_kids_are_unique(layout, data):
    numbers = data.draw(st.sets(st.integers(0, layout.max_invoice_number()), min_size=2, max_size=30))
    assert len({kid.generate(layout, n, 0) for n in numbers}) == len(numbers)


@FAST
@given(body=st.text(alphabet="0123456789", min_size=1, max_size=24), wrong=st.integers(1, 9))
def test_a_changed_check_digit_is_refused(body, wrong):
    good = body + kid.mod10_check_digit(body)
    bad = body + str((int(good[-1]) + wrong) % 10)
    assert not kid.is_valid(bad, "MOD10")


def test_numbers_that_do_not_fit_are_refused():
    layout = kid.Layout(5, kid.Algorithm.MOD10, 1)
    with pytest.raises(kid.KidLayoutError):
        kid.generate(layout, 1000)
    with pytest.raises(kid.KidLayoutError):
        kid.generate(layout, 1, customer_number=10)
    with pytest.raises(ValueError):
        kid.Layout(3, kid.Algorithm.MOD10)
