"""Money at the edge: text in (DESIGN.md §5), integer minor units inside, Babel out."""

from __future__ import annotations

import pytest

from cashier_tui.money import Money, MoneyError, exponent, format_money, parse_amount, plain


@pytest.mark.parametrize(("text", "minor"), [
    ("12.5", 1250), ("12.50", 1250), ("¥12.50", 1250), ("￥12.50", 1250),
    ("１２．５０", 1250), (" 12.50 ", 1250), (".5", 50), ("5.", 500), ("7", 700),
    ("CNY 3.20", 320), ("１２．", 1200),
])
def test_accepted_forms(text, minor):
    assert parse_amount(text, "CNY") == minor


@pytest.mark.parametrize(("text", "says"), [
    ("-1.00", "negative"), ("−1.00", "negative"), ("", "required"), ("   ", "required"),
    ("12.345", "at most 2 decimals"), ("1e3", "not an amount"), ("12..5", "not an amount"),
    ("abc", "not an amount"), ("0", "more than zero"), ("0.00", "more than zero"),
    ("10000000000000.00", "too large"), ("99999999999999999999", "too large"),
    ("7,99", "has a comma"), ("1,0", "has a comma"), ("1,234.56", "has a comma"),
    ("１，５", "has a comma"), ("12.5.", "not an amount"), (".", "not an amount"),
])
def test_refused_forms_say_why(text, says):
    with pytest.raises(MoneyError, match=says):
        parse_amount(text, "CNY")


@pytest.mark.parametrize(("text", "code"), [
    ("", "empty"), ("-1", "negative"), ("7,99", "comma"), ("1.234", "decimals"),
    ("12x", "not_amount"), ("99999999999999999999", "too_large"), ("0", "zero"),
])
def test_refusals_carry_a_code_for_the_screens(text, code):
    """Screens word the refusal in the UI language from the code, not by parsing again."""
    with pytest.raises(MoneyError) as caught:
        parse_amount(text, "CNY")
    assert caught.value.code == code


def test_zero_allowed_when_asked():
    assert parse_amount("0.00", "CNY", allow_zero=True) == 0


def test_numbers_are_refused_not_rounded():
    with pytest.raises(MoneyError, match="decimal string"):
        parse_amount(12.5, "CNY")  # type: ignore[arg-type]


def test_currency_exponents_come_from_the_currency():
    assert (exponent("CNY"), exponent("JPY"), exponent("BHD")) == (2, 0, 3)
    assert parse_amount("1200", "JPY") == 1200
    with pytest.raises(MoneyError, match="at most 0 decimals"):
        parse_amount("12.5", "JPY")
    with pytest.raises(MoneyError, match="ISO 4217"):
        exponent("cny")
    with pytest.raises(MoneyError, match="not a known"):
        exponent("XYZ")


def test_the_exponent_table_is_babels():
    """money.exponent reads a table (no Babel on the start path); it must say what Babel says,
    for every code Babel knows, so that amounts parse as Babel formats them."""
    from babel.core import get_global
    from babel.numbers import get_currency_precision

    from cashier_tui.currencies import EXPONENTS

    babel = {code: get_currency_precision(code) for code in get_global("all_currencies")}
    differ = {code: (EXPONENTS.get(code), digits) for code, digits in babel.items()
              if EXPONENTS.get(code) != digits}
    assert not differ, f"run `python -m cashier_tui.currencies` and update the table: {differ}"


def test_plain_and_formatted():
    assert plain(123456, "CNY") == "1234.56"
    assert plain(5, "CNY") == "0.05"
    assert plain(1200, "JPY") == "1200"
    assert format_money(123456, "CNY", "zh") == "¥1,234.56"
    assert format_money(123456, "CNY", "en") == "CN¥1,234.56"


def test_money_adds_only_the_same_currency():
    assert Money(150, "CNY") + Money(50, "CNY") == Money(200, "CNY")
    assert (Money(150, "CNY") - Money(50, "CNY")).minor == 100
    with pytest.raises(MoneyError, match="cannot mix"):
        Money(1, "CNY") + Money(1, "USD")
    with pytest.raises(TypeError):
        Money(1.5, "CNY")  # type: ignore[arg-type]
    assert str(Money(1250, "CNY")) == "12.50 CNY"
