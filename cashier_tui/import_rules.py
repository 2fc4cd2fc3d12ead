"""The rules of the sales import format (DESIGN.md §4), one JSON object at a time.

:func:`check_sale` turns one parsed line into a :class:`CheckedSale` (amounts in minor units,
times in UTC, a hash of the canonical record) or a list of ``(field, message)`` problems.
Pure Python, no database: :mod:`cashier_tui.importer` streams the file and writes the rows.

Fields are named as jq would (``lines[0].qty``, indexes from 0). Messages never echo anything
that looks like a card number (:mod:`cashier_tui.domain.cardnumbers`, the one detector).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import NamedTuple

from pydantic_core import to_json

from .domain.cardnumbers import has_card_number, receipt_has_card_number, sku_has_card_number
from .domain.codes import RECEIPT_RE, normalise_scan
from .domain.views import PAYMENT_METHODS
from .import_json import HugeNumber
from .money import MAX_MINOR, MoneyError, exponent, plain

Problems = list[tuple[str, str]]

SALE_FIELDS = frozenset({"receipt_no", "sold_at", "store", "till", "cashier", "currency",
                         "status", "lines", "payments"})
LINE_FIELDS = frozenset({"sku", "name", "qty", "unit_price", "discount", "tax_rate"})
PAYMENT_FIELDS = frozenset({"method", "amount", "reference", "card_last4", "settled"})
STATUSES = ("completed", "voided")
MAX_QTY = 1_000_000

CARD_MESSAGE = "looks like a full card number; only the last 4 digits may be stored"
_AMOUNT = re.compile(r"([0-9]{1,16})(?:\.([0-9]+))?")
_RATE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,8})?")
_LAST4 = re.compile(r"[0-9]{4}")
# The canonical record is compact UTF-8 JSON, non-ASCII as is: what
# json.dumps(..., ensure_ascii=False, separators=(",", ":")) writes, made in Rust (4x faster;
# tests/test_import_fast.py holds the two to the same bytes).
_CANONICAL_JSON = to_json


class CheckedSale(NamedTuple):  # a tuple: a million of them are made on an import
    receipt_no: str
    sold_at: datetime  # UTC
    utc_offset_min: int
    store: str
    till: str
    cashier: str
    currency: str
    status: str
    total: int
    source_hash: str
    lines: tuple[tuple, ...]  # (sku, name, qty, unit_price, discount, net, tax_rate)
    payments: tuple[tuple, ...]  # (method, amount, reference, card_last4, settled)


def _text(obj: dict, key: str, path: str, out: Problems, max_len: int,
          required: bool = True, card: bool = True) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            out.append((path, "is required"))
        return None
    if type(value) is not str:
        out.append((path, "must be a string"))
        return None
    if "\x00" in value:  # PostgreSQL refuses it in any text
        out.append((path, "must not contain a NUL character (\\u0000)"))
        return None
    if card and len(value) >= 13 and has_card_number(value):
        out.append((path, CARD_MESSAGE))
        return None
    if not value.strip():
        out.append((path, "must not be empty"))
        return None
    if len(value) > max_len:
        out.append((path, f"is longer than {max_len} characters"))
        return None
    return value


def _amount(obj: dict, key: str, path: str, out: Problems, currency: str | None,
            digits: int | None, required: bool = True) -> int | None:
    value = obj.get(key)
    if value is None:
        if required:
            out.append((path, "is required"))
            return None
        return 0
    if type(value) is not str:
        kind = ", not a JSON number" if type(value) in (int, float, HugeNumber) else ""
        out.append((path, f'must be a decimal string such as "12.50"{kind}'))
        return None
    if len(value) >= 13 and has_card_number(value):
        out.append((path, CARD_MESSAGE))
        return None
    match = _AMOUNT.fullmatch(value)
    if match is None:
        shown = value if len(value) <= 24 else value[:20] + "..."
        if value.strip().startswith(("-", "−")):
            out.append((path, "must not be negative"))
        else:
            out.append((path, f'"{shown}" is not a decimal string such as "12.50" '
                              "(digits, at most one '.', no symbol or sign)"))
        return None
    if digits is None:  # the currency is wrong; that error is reported on its own
        return None
    whole, frac = match.groups()
    if frac and len(frac) > digits:
        out.append((path, f"{currency} amounts have at most {digits} decimals; "
                          f'"{value}" has {len(frac)}'))
        return None
    minor = int(whole) * 10**digits + (int(frac.ljust(digits, "0")) if frac else 0)
    if minor >= MAX_MINOR:
        out.append((path, "is too large an amount"))
        return None
    return minor


def _unknown(obj: dict, known: frozenset[str], prefix: str, what: str, out: Problems) -> None:
    if obj.keys() <= known:
        return
    for key in sorted(obj.keys() - known):
        if has_card_number(key):
            out.append((f"{prefix}(a field name)", CARD_MESSAGE))
        else:
            out.append((f"{prefix}{key}", f"unknown field: not a field of {what}"))


def _receipt_no(obj: dict, out: Problems) -> str | None:
    value = obj.get("receipt_no")
    if type(value) is str and (receipt_has_card_number(value) or (
            not RECEIPT_RE.fullmatch(value) and has_card_number(value))):
        out.append(("receipt_no", CARD_MESSAGE))
        return None
    if type(value) is str and RECEIPT_RE.fullmatch(value):
        return value
    if value is None:
        out.append(("receipt_no", "is required"))
    elif type(value) is not str:
        out.append(("receipt_no", "must be a string"))
    else:
        fixed = normalise_scan(value)
        if RECEIPT_RE.fullmatch(fixed):
            out.append(("receipt_no", f'must be in canonical form "{fixed}" (upper-case, '
                                      "half-width, no spaces)"))
        else:
            out.append(("receipt_no", "must be 1-40 characters of A-Z, 0-9 and '-'"))
    return None


def _sold_at(obj: dict, out: Problems) -> datetime | None:
    value = _text(obj, "sold_at", "sold_at", out, 40)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        out.append(("sold_at", "is not an ISO 8601 time such as 2026-11-20T14:03:00+08:00"))
        return None
    if moment.tzinfo is None:
        out.append(("sold_at", "needs a UTC offset, e.g. 2026-11-20T14:03:00+08:00"))
        return None
    try:
        moment.astimezone(UTC)
    except OverflowError:
        out.append(("sold_at", "is outside the range of dates the till can store"))
        return None
    return moment


def _line(raw: object, path: str, out: Problems, currency, digits) -> tuple | None:
    if type(raw) is not dict:
        out.append((path, "must be an object"))
        return None
    _unknown(raw, LINE_FIELDS, f"{path}.", "a sale line", out)
    before = len(out)
    sku = _text(raw, "sku", f"{path}.sku", out, 40, card=False)
    if sku is not None and sku_has_card_number(sku):
        out.append((f"{path}.sku", CARD_MESSAGE))
    name = _text(raw, "name", f"{path}.name", out, 200)
    qty = raw.get("qty")
    if type(qty) is not int or not 1 <= qty <= MAX_QTY:
        message = "is required" if qty is None else (
            f"must be a whole number from 1 to {MAX_QTY}" if type(qty) in (int, HugeNumber)
            else "must be a positive whole number (a JSON integer)")
        out.append((f"{path}.qty", message))
        qty = None
    unit = _amount(raw, "unit_price", f"{path}.unit_price", out, currency, digits)
    discount = _amount(raw, "discount", f"{path}.discount", out, currency, digits,
                       required=False)
    rate = raw.get("tax_rate")
    if rate is not None and (type(rate) is not str or not _RATE.fullmatch(rate)):
        out.append((f"{path}.tax_rate", 'must be a decimal string such as "0.13"'))
    if len(out) > before or None in (unit, discount):
        return None
    net = qty * unit - discount
    if net < 0:
        out.append((f"{path}.discount", f"{plain(discount, currency)} is more than qty x "
                                        f"unit_price ({plain(qty * unit, currency)})"))
        return None
    return (sku, name, qty, unit, discount, net, rate)


def _payment(raw: object, path: str, out: Problems, currency, digits) -> tuple | None:
    if type(raw) is not dict:
        out.append((path, "must be an object"))
        return None
    _unknown(raw, PAYMENT_FIELDS, f"{path}.", "a payment", out)
    before = len(out)
    method = raw.get("method")
    if type(method) is not str or method not in PAYMENT_METHODS:
        out.append((f"{path}.method", "must be one of " + ", ".join(PAYMENT_METHODS)))
        method = None
    amount = _amount(raw, "amount", f"{path}.amount", out, currency, digits)
    if amount == 0:
        out.append((f"{path}.amount", "must be more than zero"))
    reference = _text(raw, "reference", f"{path}.reference", out, 64,
                      required=method not in ("cash", None))
    last4 = raw.get("card_last4")
    if last4 is not None:
        if type(last4) is not str or not _LAST4.fullmatch(last4):
            out.append((f"{path}.card_last4", "must be a string of exactly 4 digits"))
        elif method not in ("card", None):
            out.append((f"{path}.card_last4", "only a card payment has card_last4"))
    settled = raw.get("settled", True)
    if type(settled) is not bool:
        out.append((f"{path}.settled", "must be true or false"))
    if len(out) > before or amount is None:
        return None
    return (method, amount, reference, last4, settled)


def check_sale(obj: object, out: Problems) -> CheckedSale | None:
    """Check one sale; append every problem to ``out``; return the sale if there is none."""
    if type(obj) is not dict:
        out.append(("(line)", "must be a JSON object (one sale per line)"))
        return None
    _unknown(obj, SALE_FIELDS, "", "a sale", out)
    receipt = _receipt_no(obj, out)
    sold_at = _sold_at(obj, out)
    store = _text(obj, "store", "store", out, 20)
    till = _text(obj, "till", "till", out, 20)
    cashier = _text(obj, "cashier", "cashier", out, 20)
    status = obj.get("status")
    if type(status) is not str or status not in STATUSES:
        out.append(("status", "must be completed or voided"))
    currency = obj.get("currency")
    digits = None
    if type(currency) is not str:
        out.append(("currency", "must be an ISO 4217 code such as CNY"))
    elif has_card_number(currency):
        out.append(("currency", CARD_MESSAGE))
    else:
        try:
            digits = exponent(currency)
        except MoneyError as exc:
            out.append(("currency", str(exc)))
    lines = _items(obj, "lines", _line, out, currency, digits)
    payments = _items(obj, "payments", _payment, out, currency, digits)
    if out:
        return None
    total = sum(line[5] for line in lines)
    paid = sum(p[1] for p in payments)
    if total != paid:
        out.append(("payments", f"add up to {plain(paid, currency)} but the lines to "
                                f"{plain(total, currency)} {currency}; they must be equal"))
        return None
    if total >= MAX_MINOR:
        out.append(("lines", "the sale's total is too large"))
        return None
    try:
        return build_sale(receipt, sold_at, store, till, cashier, currency, status, total,
                          lines, payments)
    except ValueError:  # pydantic-core cannot write a lone surrogate as UTF-8
        out.append(("(line)", "holds a lone surrogate escape (\\ud800-\\udfff): not Unicode"))
        return None


def build_sale(receipt: str, sold_at: datetime, store: str, till: str, cashier: str,
               currency: str, status: str, total: int, lines: list[tuple],
               payments: list[tuple]) -> CheckedSale:
    """The checked sale, with the sha256 of its canonical record (defaults filled in,
    amounts in minor units, the time as ISO 8601 with its offset)."""
    canon = [receipt, sold_at.isoformat(), store, till, cashier, currency, status,
             lines, payments]
    digest = hashlib.sha256(_CANONICAL_JSON(canon)).hexdigest()
    return CheckedSale(receipt, sold_at.astimezone(UTC),
                       int(sold_at.utcoffset().total_seconds()) // 60,
                       store, till, cashier, currency, status, total, digest,
                       tuple(lines), tuple(payments))


def _items(obj: dict, key: str, check, out: Problems, currency, digits) -> list[tuple]:
    raw = obj.get(key)
    if type(raw) is not list or not raw:
        out.append((key, "is required" if raw is None else "must be a non-empty list"))
        return []
    found = [check(item, f"{key}[{i}]", out, currency, digits) for i, item in enumerate(raw)]
    return found if None not in found else []
