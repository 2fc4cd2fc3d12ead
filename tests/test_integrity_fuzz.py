"""Bad input, fuzzed with hypothesis: scans, amounts, refund requests and import files.

What may come out is fixed: a scan gives a view or a TillError; an amount an int or a
MoneyError; a refund request a Quote, a refund, RefundRejected or ApprovalRequired (and the
caps, audited from the raw tables after every example, are never exceeded); an import file
an ImportReport or ImportFailed naming line and field, the database unchanged. Anything else
(a TypeError, an OverflowError, a database error) fails the test.

Short forms in ``make test``; long forms (more examples each) in ``make integrity``, which
writes build/integrity/fuzz.json.
"""

from __future__ import annotations

import json
import random
import re
import string
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import ApprovalRequired, RefundRejected, TillError
from cashier_tui.domain.views import REASONS, Approval, Quote, RefundRequest, RefundView, SaleView
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.importer import ImportFailed, ImportReport, import_sales
from cashier_tui.money import MAX_MINOR, MoneyError, parse_amount
from cashier_tui.qrpayload import RefundCodec
from cashier_tui.services.sales import normalise_scan
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.integrity.common import (
    CASHIER,
    MANAGER,
    MANAGER_PIN,
    NOW,
    add_staff,
    audit,
    seed_sales,
    write_figures,
)

SHORT = {"scan": 150, "amount": 300, "refund": 60, "import": 40, "sales": 8}
LONG = {"scan": 3000, "amount": 10000, "refund": 1000, "import": 500, "sales": 40}


def examples(n: int):
    return settings(max_examples=n, deadline=None, database=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def store(tmp_path, sales: int = 6, seed: int = 5):
    engine = make_engine(tmp_path / "store.db")
    upgrade(engine)
    shop = seed_sales(engine, sales, seed, units=(5, 20), behaviours=["ok"])
    till = Till(engine, SimulatedGateway(), FixedClock(NOW),
                codec=RefundCodec(b"fuzz-secret-0123456789abcdef"))
    add_staff(till)
    return engine, shop, till


# --- scans -------------------------------------------------------------------------------

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in string.ascii_uppercase + string.digits + "-"}


def variants(code: str) -> st.SearchStrategy[str]:
    """What a scanner or a person may type for ``code``: case, full-width, spaces around."""
    return st.tuples(st.lists(st.sampled_from(["plain", "lower", "wide"]), min_size=len(code),
                              max_size=len(code)),
                     st.sampled_from(["", " ", "\t", "\u3000", "\n"]),
                     st.sampled_from(["", " ", "\r\n", "\u3000"])).map(
        lambda t: t[1] + "".join(
            c.lower() if how == "lower" else FULL_WIDTH.get(c, c) if how == "wide" else c
            for c, how in zip(code, t[0], strict=True)) + t[2])


def fuzz_scans(tmp_path, n: int) -> dict:
    engine, shop, till = store(tmp_path)
    refund = till.commit(RefundRequest(shop.receipts[0], "amount", amount=100,
                                       reason="price_adjustment"), CASHIER)
    code = till.codec.encode(refund.refund_no, refund.amount, refund.currency)
    seen = {"view": 0, "till_error": 0}
    noise = st.one_of(
        st.text(),
        st.text(alphabet=string.ascii_letters + string.digits + "-. ", max_size=60),
        st.builds(lambda a, b: a + b, st.sampled_from(["RF1.", "https://rf.shop.cn/",
                                                         "HTTP://X/R-T01?A=", "r-t01-"]),
                  st.text(max_size=40)),
        st.builds(lambda c, i, ch: c[:i] + ch + c[i + 1:], st.just(code),
                  st.integers(0, len(code) - 1), st.sampled_from("AZ27.-0x ")),  # altered QR
        st.sampled_from(shop.receipts).flatmap(variants),
        variants(refund.refund_no), variants(code),
    )

    @examples(n)
    @given(noise)
    def check(scan: str) -> None:
        norm = normalise_scan(scan)
        if re.fullmatch(r"[A-Z0-9-]{1,40}", norm):  # what a receipt number can be
            assert normalise_scan(norm) == norm
        try:
            found = till.lookup(scan)
        except TillError as exc:
            assert exc.message and exc.code
            seen["till_error"] += 1
            return
        assert isinstance(found, SaleView | RefundView)
        seen["view"] += 1
        if isinstance(found, SaleView):
            assert found.receipt_no == norm
        else:
            assert found.refund_no == refund.refund_no

    check()
    # Every variant of a stored receipt number finds its sale.
    rng = random.Random(1)
    for receipt in shop.receipts:
        typed = "".join(FULL_WIDTH[c] if rng.random() < .5 else c.lower() for c in receipt)
        assert till.lookup(f" {typed}\u3000").receipt_no == receipt
    engine.dispose()
    return seen


# --- amounts -----------------------------------------------------------------------------

def fuzz_amounts(n: int) -> dict:
    seen = {"int": 0, "money_error": 0}
    decimals = st.builds(lambda whole, frac, sym, wide: (
        sym + (f"{whole:,}" if whole > 999 and frac is None and sym == "" else str(whole))
        + ("" if frac is None else "." + frac)).translate(wide),
        st.integers(0, 10**17), st.none() | st.text(alphabet=string.digits, max_size=4),
        st.sampled_from(["", "¥", "￥", "CNY", "$", "-", "−", " "]),
        st.sampled_from([{}, {ord(c): ord(c) + 0xFEE0 for c in string.digits + "."}]))
    amounts = st.one_of(st.text(), decimals, st.integers().map(str),
                        st.floats(allow_nan=True).map(repr))
    currencies = st.sampled_from(["CNY", "JPY", "BHD", "USD", "cny", "XXX", "ABCD", "", "¥"])

    @examples(n)
    @given(amounts, currencies, st.booleans())
    def check(value: str, currency: str, allow_zero: bool) -> None:
        try:
            minor = parse_amount(value, currency, allow_zero=allow_zero)
        except MoneyError as exc:
            assert str(exc)
            seen["money_error"] += 1
            return
        assert type(minor) is int and 0 <= minor < MAX_MINOR
        assert minor > 0 or allow_zero
        seen["int"] += 1

    check()
    return seen


# --- refund requests ---------------------------------------------------------------------

def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """``good`` nine times in ten, else ``bad``: requests a cashier could make, with a few
    that no screen would send."""
    return st.integers(0, 9).flatmap(lambda k: good if k else bad)


def fuzz_refunds(tmp_path, n: int, sales: int) -> dict:
    engine, shop, till = store(tmp_path, sales=sales, seed=6)
    lines_of = {r: [x.line_id for x in till.get_sale(r).lines] for r in shop.receipts}
    seen = {"quote_ok": 0, "quote_problems": 0, "committed": 0, "rejected": 0,
            "approval_required": 0, "refunded": 0}
    quantity = mostly(st.integers(0, 4),
                      st.one_of(st.integers(-3, 25), st.integers(), st.booleans(), st.none(),
                                st.floats(), st.text(max_size=3)))
    amount = mostly(st.integers(1, 20000), st.one_of(st.none(), st.integers(-5, 10**6),
                                                     st.integers(), st.booleans(),
                                                     st.floats()))
    words = mostly(st.none(), st.text(max_size=240) | st.sampled_from(["", "   ", "x" * 201]))

    def request_for(receipt: str) -> st.SearchStrategy[RefundRequest]:
        line = mostly(st.sampled_from(lines_of[receipt]), st.integers(-2, 10**6))
        return st.builds(
            RefundRequest, receipt_no=st.just(receipt),
            kind=mostly(st.sampled_from(["items"] * 3 + ["amount"] * 3 + ["full"]),
                        st.text(max_size=6)),
            payout=mostly(st.sampled_from(["original", "original", "cash"]),
                          st.text(max_size=6)),
            reason=mostly(st.sampled_from(REASONS[:-1]), st.sampled_from(["other", ""])
                          | st.text(max_size=10)),
            reason_text=words, note=words,
            items=st.dictionaries(line, quantity, max_size=3),
            amount=amount,
            restock=st.dictionaries(line, st.booleans(), max_size=2))

    requests = st.sampled_from(shop.receipts).flatmap(request_for)

    @examples(n)
    @given(requests, st.booleans(), st.booleans())
    def check(request: RefundRequest, approve: bool, process: bool) -> None:
        quote = till.quote(request)
        assert isinstance(quote, Quote)
        seen["quote_ok" if quote.ok else "quote_problems"] += 1
        if quote.ok:
            assert quote.amount > 0 and sum(x.amount for x in quote.legs) == quote.amount
        try:
            view = till.commit(request, CASHIER,
                               Approval(MANAGER, MANAGER_PIN) if approve else None)
        except RefundRejected as exc:
            assert exc.problems
            seen["rejected"] += 1
            return
        except ApprovalRequired as exc:
            assert exc.rules and not approve
            seen["approval_required"] += 1
            return
        seen["committed"] += 1
        assert quote.ok and view.amount == quote.amount  # nobody else writes meanwhile
        assert sum(x.amount for x in view.legs) == view.amount > 0
        if process:
            view = till.process(view.refund_no)
            seen["refunded"] += view.status == "completed"
        found = audit(engine, ":memory:", expect_final=False)
        assert found["over_refunds_found"] == found["counter_mismatches_found"] == 0, \
            found["violations"]

    check()
    engine.dispose()
    return seen


# --- import files ------------------------------------------------------------------------

CARD_NUMBER = "4111111111111111"  # Luhn-valid, the classic test Visa


def _sale(i: int, qty: int, price: int, split: int, card: bool) -> dict:
    total = qty * price
    first = min(total, max(1, split))
    pays = [{"method": "card", "amount": f"{first / 100:.2f}", "reference": f"AUTH{i:06d}",
             "card_last4": "4321"} if card else
            {"method": "wechat", "amount": f"{first / 100:.2f}", "reference": f"WX{i:06d}"}]
    if total > first:
        pays.append({"method": "cash", "amount": f"{(total - first) / 100:.2f}"})
    return {"receipt_no": f"FZ-{i:05d}", "sold_at": "2026-11-20T14:03:00+08:00",
            "store": "S01", "till": "T02", "cashier": "C007", "currency": "CNY",
            "status": "completed",
            "lines": [{"sku": "6901234567892", "name": "保温杯", "qty": qty,
                       "unit_price": f"{price / 100:.2f}"}],
            "payments": pays}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
PATHS = ["receipt_no", "sold_at", "store", "till", "cashier", "currency", "status", "lines",
         "payments", "lines.0.qty", "lines.0.unit_price", "lines.0.discount", "lines.0.sku",
         "lines.0.name", "lines.0.tax_rate", "payments.0.method", "payments.0.amount",
         "payments.0.reference", "payments.0.card_last4", "payments.0.settled", "extra"]
SPECIAL = st.sampled_from([CARD_NUMBER, f"4111 1111 1111 {1111}", "4111-1111-1111-1111",
                           "１２．５０", "-1.00", "1.001", "0", "0.00", "", " ", "\x00",
                           "9" * 20, "2026-11-20T14:03:00", "0001-01-02T00:00:00+00:00",
                           "s01-t02", "Ｓ０１", "A" * 41, "\ud800"])


def _mutate(sale: dict, path: str, value) -> dict:
    node, keys = sale, path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if value is _DELETE:
        node.pop(last, None) if isinstance(node, dict) else None
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return sale


_DELETE = object()
LINES = st.one_of(
    st.builds(_sale, st.integers(0, 99999), st.integers(1, 9), st.integers(1, 99999),
              st.integers(1, 10**6), st.booleans()).map(lambda s: json.dumps(s,
                                                                         ensure_ascii=False)),
    st.builds(lambda s, p, v: json.dumps(_mutate(s, p, v), ensure_ascii=False),
              st.builds(_sale, st.integers(0, 99999), st.integers(1, 9),
                        st.integers(1, 99999), st.integers(1, 10**6), st.booleans()),
              st.sampled_from(PATHS), JSON | SPECIAL | st.just(_DELETE)),
    st.text(max_size=80), st.just(""), st.just("{}"), st.just("[]"),
)


def _dump(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in ("sale", "sale_line", "tender")}


def _has_card(dump: dict) -> bool:
    blob = json.dumps(dump, default=str, ensure_ascii=False)
    for run in re.findall(r"[0-9](?:[ -]?[0-9])*", blob):
        digits = run.replace(" ", "").replace("-", "")
        if 13 <= len(digits) <= 19 and _luhn(digits) and digits.startswith("4111"):
            return True
    return False


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def fuzz_imports(tmp_path, n: int) -> dict:
    engine = make_engine(tmp_path / "import.db")
    upgrade(engine)
    seen = {"imported": 0, "rejected": 0, "problems_named": 0}
    counter = iter(range(10**9))

    @examples(n)
    @given(st.lists(LINES, min_size=1, max_size=6), st.sampled_from(["\n", "\r\n"]))
    def check(lines: list[str], newline: str) -> None:
        path = tmp_path / f"fuzz-{next(counter)}.jsonl"
        data = newline.join(lines).encode("utf-8", "surrogatepass")
        path.write_bytes(data)
        in_file = data.count(b"\n") + 1  # lines as the importer counts them
        before = _dump(engine)
        try:
            report = import_sales(engine, path)
        except ImportFailed as exc:
            assert exc.errors and exc.count >= len(exc.errors)
            for error in exc.errors:
                assert 1 <= error.line <= in_file and error.field and error.message
                assert CARD_NUMBER not in error.message
            assert _dump(engine) == before  # all or nothing
            seen["rejected"] += 1
            seen["problems_named"] += len(exc.errors)
            return
        finally:
            path.unlink()
        assert isinstance(report, ImportReport)
        seen["imported"] += 1
        assert not _has_card(_dump(engine))  # a card number never gets in

    check()
    engine.dispose()
    return seen


# --- the tests ---------------------------------------------------------------------------

def test_fuzz_scans_short(tmp_path):
    seen = fuzz_scans(tmp_path, SHORT["scan"])
    assert seen["view"] and seen["till_error"]


def test_fuzz_amounts_short():
    seen = fuzz_amounts(SHORT["amount"])
    assert seen["int"] and seen["money_error"]


def test_fuzz_refund_requests_short(tmp_path):
    seen = fuzz_refunds(tmp_path, SHORT["refund"], SHORT["sales"])
    assert seen["rejected"] and seen["committed"]


def test_fuzz_import_files_short(tmp_path):
    seen = fuzz_imports(tmp_path, SHORT["import"])
    assert seen["rejected"]


@pytest.mark.integrity
def test_fuzz_long(tmp_path):
    figures = {}
    for name, run in (("scan", lambda: fuzz_scans(tmp_path / "scan", LONG["scan"])),
                      ("amount", lambda: fuzz_amounts(LONG["amount"])),
                      ("refund", lambda: fuzz_refunds(tmp_path / "refund", LONG["refund"],
                                                      LONG["sales"])),
                      ("import", lambda: fuzz_imports(tmp_path / "import", LONG["import"]))):
        (tmp_path / name).mkdir(exist_ok=True)
        started = datetime.now(UTC)
        figures[name] = {"examples": LONG[name], **run(),
                         "seconds": round((datetime.now(UTC) - started).total_seconds(), 1)}
    write_figures("fuzz", figures)


def test_import_a_time_at_the_edge_of_the_calendar_is_a_line_error(tmp_path):
    engine = make_engine(tmp_path / "edge.db")
    upgrade(engine)
    sale = _sale(1, 1, 100, 100, True)
    sale["sold_at"] = "0001-01-01T00:00:00+05:00"
    path = tmp_path / "edge.jsonl"
    path.write_text(json.dumps(sale) + "\n")
    with pytest.raises(ImportFailed) as err:
        import_sales(engine, path)
    assert (err.value.errors[0].line, err.value.errors[0].field) == (1, "sold_at")


@pytest.mark.parametrize("sku", [CARD_NUMBER, "4111 1111 1111 1111"])
def test_import_a_card_number_as_sku_is_refused(tmp_path, sku):
    engine = make_engine(tmp_path / "sku.db")
    upgrade(engine)
    sale = _sale(1, 1, 100, 100, True)
    sale["lines"][0]["sku"] = sku
    path = tmp_path / "sku.jsonl"
    path.write_text(json.dumps(sale) + "\n")
    with pytest.raises(ImportFailed) as err:
        import_sales(engine, path)
    assert err.value.errors[0].field == "lines[0].sku"
