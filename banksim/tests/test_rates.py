"""The bank's published exchange rates: deterministic per date, strings on the wire, a
weekend with Friday's rates, and a refusal (never a 500) for a date that is not one."""

from datetime import date
from decimal import Decimal

from banksim.services import rates


def test_rates_today_on_the_banks_clock(bank):
    response = bank.get("/api/v1/fx/rates")
    assert response.status_code == 200
    data = response.json()
    assert (data["date"], data["base"]) == ("2026-03-02", "NOK")
    assert set(data["rates"]) == {"EUR", "USD", "SEK", "DKK", "GBP", "CHF", "PLN", "JPY"}
    assert all(isinstance(r, str) for r in data["rates"].values())
    eur = Decimal(data["rates"]["EUR"])
    assert eur == rates.rate("EUR", date(2026, 3, 2))
    assert Decimal("11.4866") <= eur <= Decimal("11.9554")  # base 11.7210 ± 2 %
    assert eur.as_tuple().exponent == -4
    assert Decimal(data["rates"]["JPY"]).as_tuple().exponent == -6


def test_rates_are_the_same_every_time_and_move_between_days(bank):
    first = bank.get("/api/v1/fx/rates", date="2026-03-03").json()
    again = bank.get("/api/v1/fx/rates", date="2026-03-03").json()
    other = bank.get("/api/v1/fx/rates", date="2026-03-04").json()
    assert first == again
    assert first["rates"] != other["rates"]


def test_a_weekend_has_fridays_rates(bank):
    friday = bank.get("/api/v1/fx/rates", date="2026-03-06").json()["rates"]
    sunday = bank.get("/api/v1/fx/rates", date="2026-03-08").json()
    assert sunday["date"] == "2026-03-08"
    assert sunday["rates"] == friday


def test_the_clock_moves_the_rates_of_today(bank):
    bank.advance(days=1)
    assert bank.get("/api/v1/fx/rates").json()["date"] == "2026-03-03"


def test_a_bad_date_is_refused(bank):
    for text in ("2026-13-01", "yesterday", "1800-01-01"):
        response = bank.get("/api/v1/fx/rates", date=text)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_parameter"


def test_nok_value_rounds_half_up_to_ore():
    day = date(2026, 3, 2)
    eur = rates.rate("EUR", day)
    assert rates.nok_value("EUR", Decimal("100.00"), day) == (Decimal("100.00") * eur).quantize(
        Decimal("0.01")
    )
    assert rates.nok_value("NOK", Decimal("12.34"), day) == Decimal("12.34")
