"""The fast path of the sales import: most lines of a real file are clean.

pydantic-core parses and checks a line's structure in Rust (types, lengths, patterns, known
fields) in less time than ``json.loads`` alone; the few rules left (card numbers, decimals of
the currency, the time's offset, sums) run here without building any message. A line this
path does not accept goes to :func:`cashier_tui.import_rules.check_sale`, which finds every
problem and words it. The one promise: whatever this path accepts, ``check_sale`` accepts with
the very same result (tests/test_import_fast.py checks it on mutated sales).
"""

from __future__ import annotations

from datetime import datetime

from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs

from .domain.cardnumbers import has_card_number, receipt_has_card_number, sku_has_card_number
from .domain.codes import RECEIPT_MAX, RECEIPT_PATTERN
from .domain.views import PAYMENT_METHODS
from .import_rules import MAX_QTY, STATUSES, CheckedSale, build_sale
from .money import MAX_MINOR, MoneyError, exponent


def _text(max_len: int, pattern: str | None = None) -> cs.StrSchema:
    return cs.str_schema(strict=True, min_length=1, max_length=max_len, pattern=pattern)


def _field(schema, required: bool = True, nullable: bool = False) -> cs.TypedDictField:
    return cs.typed_dict_field(cs.nullable_schema(schema) if nullable else schema,
                               required=required)


_AMOUNT = _text(40, r"^[0-9]{1,16}(\.[0-9]+)?$")
_LINE = cs.typed_dict_schema({
    "sku": _field(_text(40)),
    "name": _field(_text(200)),
    "qty": _field(cs.int_schema(strict=True, ge=1, le=MAX_QTY)),
    "unit_price": _field(_AMOUNT),
    "discount": _field(_AMOUNT, required=False, nullable=True),
    "tax_rate": _field(_text(12, r"^[0-9]{1,3}(\.[0-9]{1,8})?$"), required=False,
                       nullable=True),
}, extra_behavior="forbid")
_PAYMENT = cs.typed_dict_schema({
    "method": _field(cs.literal_schema(list(PAYMENT_METHODS))),
    "amount": _field(_AMOUNT),
    "reference": _field(_text(64), required=False, nullable=True),
    "card_last4": _field(_text(4, r"^[0-9]{4}$"), required=False, nullable=True),
    "settled": _field(cs.bool_schema(strict=True), required=False),
}, extra_behavior="forbid")
_SALE = SchemaValidator(cs.typed_dict_schema({
    "receipt_no": _field(_text(RECEIPT_MAX, f"^{RECEIPT_PATTERN}$")),
    "sold_at": _field(_text(40)),
    "store": _field(_text(20)),
    "till": _field(_text(20)),
    "cashier": _field(_text(20)),
    "currency": _field(_text(3, r"^[A-Z]{3}$")),
    "status": _field(cs.literal_schema(list(STATUSES))),
    "lines": _field(cs.list_schema(_LINE, min_length=1)),
    "payments": _field(cs.list_schema(_PAYMENT, min_length=1)),
}, extra_behavior="forbid"))


class _Slow(Exception):
    """This line needs the careful path."""


def _plain(value: str) -> str:
    if not value.strip() or "\x00" in value or (len(value) >= 13 and has_card_number(value)):
        raise _Slow
    return value


class _Checked:
    """Texts already found clean, so that each is checked once: a store's product codes and
    names repeat from receipt to receipt (the card check of an EAN-13 sku is two Python
    loops). The checks are pure functions of the text. Bounded; when full it starts over."""

    def __init__(self, check, size: int = 16384) -> None:
        self.seen: set[str] = set()
        self.check = check
        self.size = size

    def __call__(self, value: str) -> str:
        if value not in self.seen:
            self.check(value)
            if len(self.seen) >= self.size:
                self.seen.clear()
            self.seen.add(value)
        return value


def _check_sku(sku: str) -> None:
    if not sku.strip() or "\x00" in sku or sku_has_card_number(sku):
        raise _Slow


_sku = _Checked(_check_sku)
_name = _Checked(_plain)


def _minor(value: str | None, digits: int) -> int:
    if value is None:
        return 0
    if len(value) >= 13 and has_card_number(value):
        raise _Slow
    whole, _, frac = value.partition(".")
    if len(frac) == digits:  # the usual "59.00": one int() of the digits
        minor = int(whole + frac)
    elif len(frac) > digits:
        raise _Slow
    else:
        minor = int(whole) * 10**digits + (int(frac.ljust(digits, "0")) if frac else 0)
    if minor >= MAX_MINOR:
        raise _Slow
    return minor


def fast_check(raw: bytes) -> CheckedSale | None:
    """The checked sale, or None: then ``check_sale`` must look at the line."""
    try:
        obj = _SALE.validate_json(raw)
        return _semantics(obj)
    except (ValueError, OverflowError, _Slow):  # ValidationError is a ValueError
        return None


def _semantics(obj: dict) -> CheckedSale:
    receipt = obj["receipt_no"]
    if len(receipt) >= 13 and receipt_has_card_number(receipt):
        raise _Slow
    sold_at = datetime.fromisoformat(_plain(obj["sold_at"]))
    if sold_at.tzinfo is None:
        raise _Slow
    store, till, cashier = _plain(obj["store"]), _plain(obj["till"]), _plain(obj["cashier"])
    currency = obj["currency"]
    try:
        digits = exponent(currency)
    except MoneyError:
        raise _Slow from None
    lines, total = [], 0
    for line in obj["lines"]:
        sku, qty = _sku(line["sku"]), line["qty"]
        discount = line.get("discount")
        unit = _minor(line["unit_price"], digits)
        discount = 0 if discount is None else _minor(discount, digits)
        net = qty * unit - discount
        if net < 0:
            raise _Slow
        total += net
        lines.append((sku, _name(line["name"]), qty, unit, discount, net, line.get("tax_rate")))
    payments, paid = [], 0
    for pay in obj["payments"]:
        method, amount = pay["method"], _minor(pay["amount"], digits)
        reference, last4 = pay.get("reference"), pay.get("card_last4")
        if amount == 0 or (last4 is not None and method != "card"):
            raise _Slow
        if reference is None:
            if method != "cash":
                raise _Slow
        else:
            _plain(reference)
        paid += amount
        payments.append((method, amount, reference, last4, pay.get("settled", True)))
    if paid != total or total >= MAX_MINOR:
        raise _Slow
    return build_sale(receipt, sold_at, store, till, cashier, currency, obj["status"], total,
                      lines, payments)
