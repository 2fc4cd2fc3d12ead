"""The import's fast path never accepts what the careful path rejects, and agrees with it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from cashier_tui.domain.cardnumbers import has_card_number, luhn_ok
from cashier_tui.import_fast import fast_check
from cashier_tui.import_rules import check_sale
from tests.import_fixtures import sale
from tests.test_import import BROKEN


def _slow(raw: bytes):
    problems: list = []
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    return check_sale(parsed, problems)


def _agree(raw: bytes) -> None:
    fast = fast_check(raw)
    if fast is not None:
        assert fast == _slow(raw)


@pytest.mark.parametrize("case", BROKEN)
def test_fast_path_leaves_every_broken_case_to_the_careful_path(case):
    record = sale(2)
    BROKEN[case][0](record)
    assert fast_check(json.dumps(record).encode()) is None


def test_both_paths_give_the_same_sale():
    raw = json.dumps(sale(1), ensure_ascii=False).encode()
    assert fast_check(raw) is not None
    assert fast_check(raw) == _slow(raw)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**8), st.floats(allow_nan=False),
    st.sampled_from(["", " ", "0", "0.00", "1.5", "12.345", "60.00", "48.00", "card", "cash",
                     "wechat", "completed", "voided", "CNY", "JPY", "XYZ", "4321", "0.13",
                     "4111 1111 1111 1111", "6901234567892", "2026-11-20T14:03:00",
                     "2026-11-20T14:03:00+08:00", "S01-T02-1", "s01", "\x1f", "\u3000",
                     "１２", "9" * 17, "a" * 41]),
    st.text(max_size=45),
)
PATHS = st.sampled_from(
    ["receipt_no", "sold_at", "store", "till", "cashier", "currency", "status", "lines",
     "payments", "extra"]
    + [f"lines.0.{k}" for k in ("sku", "name", "qty", "unit_price", "discount", "tax_rate", "x")]
    + [f"payments.{i}.{k}" for i in (0, 1)
       for k in ("method", "amount", "reference", "card_last4", "settled", "x")])


def _mutate(record: dict, path: str, value, delete: bool) -> None:
    *parents, key = path.split(".")
    target = record
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if delete:
        target.pop(key, None)
    else:
        target[key] = value


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(PATHS, SCALARS, st.booleans()), min_size=1, max_size=3))
def test_fast_path_never_more_lenient(mutations):
    record = sale(7)
    for path, value, delete in mutations:
        try:
            _mutate(record, path, value, delete)
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
    _agree(json.dumps(record, ensure_ascii=False).encode())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.integers(-10**15, 10**15), st.booleans(), st.none())))
def test_canonical_json_is_what_json_dumps_writes(values):
    expected = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        assert to_json(values) == expected
    except ValueError:  # lone surrogates: pydantic-core refuses them, and so does the import
        assert any("\ud800" <= ch <= "\udfff" for v in values if isinstance(v, str) for ch in v)


@pytest.mark.parametrize(("text", "card"), [
    ("4111111111111111", True), ("4111 1111 1111 1111", True), ("4111-1111-1111-1111", True),
    ("x 378282246310005 y", True),  # Amex, 15 digits
    ("4111  1111 1111 1111", True),  # a double space does not hide it (issue 17.3)
    ("4111111111111112", False),  # fails Luhn
    ("42000012342026112012345678", False),  # 26 digits: a wallet transaction id
    ("411111111111", False),  # 12 digits
])
def test_card_number_detection(text, card):
    assert has_card_number(text) is card


def test_luhn():
    assert luhn_ok("6901234567892") and not luhn_ok("6901234567891")


def test_full_width_card_numbers_are_card_numbers():
    assert has_card_number("卡号 ４１１１ １１１１ １１１１ １１１１")
