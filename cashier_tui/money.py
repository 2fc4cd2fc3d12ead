"""Money: integer minor units with an ISO 4217 currency. Never a float.

Amounts come in as text (import files, the amount box on screen) and are parsed here at the
edge; inside the program every amount is an ``int`` of minor units. Formatting for people goes
through Babel so that each UI language gets its own symbols and separators.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .currencies import EXPONENTS

# Large enough for any till, small enough to fit a signed 64-bit column with room to add.
MAX_MINOR = 10**15

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_AMOUNT_RE = re.compile(r"^\d+(?:\.\d*)?$|^\.\d+$")
_SYMBOLS = ("¥", "￥", "$", "€", "£", "CNY", "RMB", "USD", "EUR", "HKD", "JPY")


class MoneyError(ValueError):
    """An amount or currency that cannot be accepted, with a message a person can act on.

    ``code`` says which rule it broke, so a screen can word it in the UI language:
    ``currency``, ``not_text``, ``negative``, ``empty``, ``comma``, ``not_amount``,
    ``decimals``, ``too_large``, ``zero``."""

    def __init__(self, message: str, code: str = "not_amount") -> None:
        super().__init__(message)
        self.code = code


def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency`` (CNY 2, JPY 0, BHD 3), as Babel has it."""
    digits = EXPONENTS.get(currency)
    if digits is None:
        if not _CURRENCY_RE.match(currency or ""):
            raise MoneyError(f"'{currency}' is not an ISO 4217 currency code (e.g. CNY)",
                             "currency")
        raise MoneyError(f"'{currency}' is not a known ISO 4217 currency", "currency")
    return digits


def parse_amount(text: str, currency: str, *, allow_zero: bool = False) -> int:
    """Parse a decimal amount typed or imported as text into minor units of ``currency``.

    Accepts ``12.5``, ``12.50``, ``12.``, ``.5``, ``¥12.50``, full-width ``１２．５０``.
    Rejects negatives, more decimals than the currency has, empty text and overflow, and any
    comma: ``7,99`` may mean 7.99 or 799, and a refund amount is never guessed.
    """
    if not isinstance(text, str):
        raise MoneyError("an amount must be a decimal string such as \"12.50\", not a number",
                         "not_text")
    digits = exponent(currency)
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if cleaned.startswith("-") or cleaned.startswith("−"):
        raise MoneyError("an amount cannot be negative", "negative")
    for symbol in _SYMBOLS:
        if cleaned.upper().startswith(symbol):
            cleaned = cleaned[len(symbol):]
            break
    if not cleaned:
        raise MoneyError("an amount is required", "empty")
    if "," in cleaned:
        raise MoneyError(f"'{text}' has a comma; type the amount without commas, with a '.' "
                         "before the cents (e.g. 7.99)", "comma")
    if not _AMOUNT_RE.match(cleaned):
        raise MoneyError(f"'{text}' is not an amount; type digits with at most one '.'")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise MoneyError(f"'{text}' is not an amount") from exc
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise MoneyError(f"{currency} amounts have at most {digits} decimals; '{text}' has more",
                         "decimals")
    result = int(minor)
    if result >= MAX_MINOR:
        raise MoneyError(f"'{text}' is too large an amount", "too_large")
    if result == 0 and not allow_zero:
        raise MoneyError("the amount must be more than zero", "zero")
    return result


def to_decimal(minor: int, currency: str) -> Decimal:
    """Exact decimal value of ``minor`` units (for formatting and export, never arithmetic)."""
    return Decimal(minor).scaleb(-exponent(currency))


def plain(minor: int, currency: str) -> str:
    """The canonical decimal string, as in the import format: ``1234`` CNY -> ``"12.34"``."""
    digits = exponent(currency)
    return f"{to_decimal(minor, currency):.{digits}f}"


_LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}


def format_money(minor: int, currency: str, lang: str = "en") -> str:
    """Format for people in the UI language: ``¥1,234.50`` (zh) / ``CN¥1,234.50`` (en)."""
    from babel.numbers import format_currency

    return format_currency(to_decimal(minor, currency), currency, locale=_LOCALES.get(lang, lang))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount with its currency; arithmetic only between the same currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def format(self, lang: str = "en") -> str:
        return format_money(self.minor, self.currency, lang)

    def __str__(self) -> str:
        return f"{plain(self.minor, self.currency)} {self.currency}"
