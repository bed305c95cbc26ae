"""What every page shows for an amount, a date and an account number, in both languages."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from bankint import formatting

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("nb", Decimal("12345.67"), f"12{NBSP}345,67"),
        ("nb", Decimal("480"), "480,00"),
        ("nb", Decimal("-1234567.5"), f"-1{NBSP}234{NBSP}567,50"),
        ("nb", Decimal("0"), "0,00"),
        ("en", Decimal("12345.67"), "12,345.67"),
        ("en", Decimal("-4990"), "-4,990.00"),
    ],
)
def test_amounts_are_grouped_with_the_languages_separators(language, value, expected):
    with translation.override(language):
        assert formatting.amount(value) == expected


def test_money_puts_the_currency_where_the_language_does():
    with translation.override("nb"):
        assert formatting.money(Decimal("6165.25")) == f"6{NBSP}165,25 NOK"
        assert formatting.money(Decimal("10"), "EUR") == "10,00 EUR"
    with translation.override("en"):
        assert formatting.money(Decimal("6165.25")) == "NOK 6,165.25"
    assert formatting.money(None) == ""


def test_rates_keep_their_decimals_and_show_at_least_four():
    with translation.override("nb"):
        assert formatting.rate(Decimal("11.72")) == "11,7200"
        assert formatting.rate("0.0903226") == "0,0903226"
    with translation.override("en"):
        assert formatting.rate(Decimal("1234.5")) == "1,234.5000"
    assert formatting.rate(None) == ""


def test_dates_and_moments_norwegian_and_unambiguous_english():
    day = dt.date(2026, 12, 5)
    moment = dt.datetime(2026, 12, 5, 13, 30, tzinfo=dt.UTC)  # 14:30 in Oslo
    with translation.override("nb"):
        assert formatting.day(day) == "05.12.2026"
        assert formatting.moment(moment) == "05.12.2026 14:30"
        assert formatting.day(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)) == "01.01.2027"
    with translation.override("en"):
        assert formatting.day(day) == "5 Dec 2026"
        assert formatting.moment(moment.astimezone(ZoneInfo("Europe/Oslo"))) == "5 Dec 2026 14:30"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15032080119", "1503.20.80119"),
        ("1503.20.80119", "1503.20.80119"),
        ("NO9386011117947", "NO93 8601 1117 947"),
        ("DE89370400440532013000", "DE89 3704 0044 0532 0130 00"),
        ("", ""),
        (None, ""),
        ("12345", "12345"),
    ],
)
def test_account_numbers_as_people_write_them(value, expected):
    assert formatting.account(value) == expected


def test_template_filters_render_the_same_and_escape_what_they_are_given():
    template = Template(
        "{% load bankint %}{{ a|amount }}|{{ a|money }}|{{ a|money:'SEK' }}|{{ d|day }}|{{ k|account }}|{{ x|account }}"
    )
    context = Context({"a": Decimal("4990"), "d": dt.date(2026, 12, 5), "k": "15032080119", "x": "<b>"})
    with translation.override("nb"):
        assert (
            template.render(context)
            == f"4{NBSP}990,00|4{NBSP}990,00 NOK|4{NBSP}990,00 SEK|05.12.2026|1503.20.80119|&lt;b&gt;"
        )
    with translation.override("en"):
        assert (
            template.render(context)
            == "4,990.00|NOK 4,990.00|SEK 4,990.00|5 Dec 2026|1503.20.80119|&lt;b&gt;"
        )
