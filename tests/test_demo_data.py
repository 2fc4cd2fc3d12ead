"""The demo data keeps its promises (DESIGN.md §4, §5, §8; issue 2 part 7, issue 5).

Plain ``json`` and ``decimal.Decimal`` only: amounts are decimal strings, so no float is ever
parsed. The arithmetic the scenarios promise is checked against ``cashier_tui.domain``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cashier_tui.domain.allocation import allocate, units_amount

# DESIGN.md §4 and §5 (the same tuples as cashier_tui.domain.views, spelled out here so this
# data check does not depend on the views module)
PAYMENT_METHODS = ("card", "wechat", "alipay", "unionpay_qr", "cash")
REASONS = ("defective", "wrong_item", "not_as_described", "changed_mind", "price_adjustment",
           "duplicate_charge", "transaction_error", "other")
DATA = Path(__file__).resolve().parent.parent / "data"
SALES_PATH = DATA / "demo_sales.jsonl"
SCENARIOS_PATH = DATA / "scenarios.json"
DEMO_NOW = datetime.fromisoformat("2026-11-20T15:00:00+08:00")
AMOUNT_FIELDS = {"unit_price", "discount", "amount", "tax_rate"}
AMOUNT_RE = re.compile(r"^\d+(?:\.\d{1,2})?$")
RECEIPT_RE = re.compile(r"^[A-Z0-9-]{1,40}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
SCENARIO_KEYS = {"id", "title_en", "title_zh", "receipt_no", "steps_en", "steps_zh",
                 "expect_en", "expect_zh"}


def _lines() -> list[str]:
    return SALES_PATH.read_text("utf-8").splitlines()


SALES: list[dict] = [json.loads(line) for line in _lines()]
BY_RECEIPT = {s["receipt_no"]: s for s in SALES}
SCEN: dict = json.loads(SCENARIOS_PATH.read_text("utf-8"))


def d(text: str) -> Decimal:
    return Decimal(text)


def minor(text: str) -> int:
    return int(Decimal(text) * 100)


def line_net(line: dict) -> Decimal:
    return line["qty"] * d(line["unit_price"]) - d(line.get("discount", "0"))


def total(sale: dict) -> Decimal:
    return sum((line_net(ln) for ln in sale["lines"]), Decimal(0))


def sold_at(sale: dict) -> datetime:
    return datetime.fromisoformat(sale["sold_at"])


def age_days(sale: dict) -> int:
    return (DEMO_NOW - sold_at(sale)).days


def calendar_age(sale: dict) -> int:
    return (DEMO_NOW.date() - sold_at(sale).astimezone(DEMO_NOW.tzinfo).date()).days


def methods(sale: dict) -> list[str]:
    return [p["method"] for p in sale["payments"]]


def yuan(m: int) -> str:
    return f"¥{m // 100:,}.{m % 100:02d}"


def luhn_ok(digits: str) -> bool:
    total_ = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total_ += n
    return total_ % 10 == 0


def strings_outside_sku(obj, key: str | None = None):
    """Every key and string value of ``obj``, except the values of ``sku``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from strings_outside_sku(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings_outside_sku(v, key)
    elif isinstance(obj, str) and key != "sku":
        yield obj


# --- the generator and the committed files ------------------------------------------------------

def test_committed_files_equal_the_generator_output():
    spec = importlib.util.spec_from_file_location("make_demo_sales", DATA / "make_demo_sales.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    jsonl, scenarios = module.render()
    assert SALES_PATH.read_text("utf-8") == jsonl, "run: python data/make_demo_sales.py"
    assert SCENARIOS_PATH.read_text("utf-8") == scenarios, "run: python data/make_demo_sales.py"


# --- the §4 format -------------------------------------------------------------------------------

def test_one_sale_object_per_line_in_the_section_4_shape():
    assert len(SALES) >= 40
    for n, text in enumerate(_lines(), 1):
        sale = json.loads(text)
        assert isinstance(sale, dict), n
        assert {"receipt_no", "sold_at", "store", "till", "cashier", "currency", "status",
                "lines", "payments"} <= set(sale), n
        assert sale["store"] == "S01" and sale["currency"] == "CNY", n
        assert sale["till"] in {"T01", "T02", "T03"}, n
        assert re.fullmatch(r"C\d{3}", sale["cashier"]), n
        assert sale["status"] in {"completed", "voided"}, n
        assert sale["sold_at"].endswith("+08:00"), n
        assert sold_at(sale).utcoffset() == timedelta(hours=8), n
        assert sale["lines"] and sale["payments"], n
        for line in sale["lines"]:
            assert isinstance(line["qty"], int) and not isinstance(line["qty"], bool), n
            assert line["qty"] > 0, n
            assert line["name"].strip(), n
            assert line_net(line) >= 0, n


def test_amounts_are_decimal_strings_never_json_numbers():
    def walk(obj, key=None):
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)
        else:
            assert not isinstance(obj, float), f"a JSON number with a fraction under {key!r}"
            if key in AMOUNT_FIELDS:
                assert isinstance(obj, str), f"{key} must be a string, got {obj!r}"
                assert AMOUNT_RE.match(obj), f"{key}={obj!r}: at most 2 decimals, no sign"
            elif isinstance(obj, int) and not isinstance(obj, bool):
                assert key == "qty", f"the only JSON integer in a sale is qty, not {key!r}"

    for sale in SALES:
        walk(sale)


def test_payments_add_up_to_line_nets_exactly():
    for sale in SALES:
        paid = sum((d(p["amount"]) for p in sale["payments"]), Decimal(0))
        assert paid == total(sale), sale["receipt_no"]
        assert all(d(p["amount"]) > 0 for p in sale["payments"]), sale["receipt_no"]


def test_payment_fields():
    for sale in SALES:
        r = sale["receipt_no"]
        for p in sale["payments"]:
            assert p["method"] in PAYMENT_METHODS, r
            if p["method"] == "cash":
                assert "reference" not in p and "card_last4" not in p, r
            else:
                assert isinstance(p.get("reference"), str) and p["reference"], r
            if p["method"] == "card":
                assert re.fullmatch(r"\d{4}", p["card_last4"]), r
            else:
                assert "card_last4" not in p, r
            assert isinstance(p.get("settled", True), bool), r
            if not p.get("settled", True):
                assert p["method"] == "card", r


def test_receipt_numbers_unique_short_and_valid():
    numbers = [s["receipt_no"] for s in SALES]
    assert len(set(numbers)) == len(numbers)
    for r in numbers:
        assert RECEIPT_RE.match(r) and 4 <= len(r) <= 6, r


def test_no_card_number_anywhere_but_sku():
    for where, obj in [*((s["receipt_no"], s) for s in SALES), ("scenarios.json", SCEN)]:
        for text in strings_outside_sku(obj):
            for run in re.findall(r"\d+", text):
                if 13 <= len(run) <= 19:
                    assert not luhn_ok(run), f"{where}: {run} looks like a card number"
                # stricter than §4: an importer may scan for 13-19 digits inside longer runs
                assert len(run) <= 12, f"{where}: {len(run)}-digit run {run!r} outside sku"


def test_skus_are_valid_ean13_barcodes():
    for sale in SALES:
        for line in sale["lines"]:
            sku = line["sku"]
            assert re.fullmatch(r"\d{13}", sku), sku
            weighted = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(sku[:12]))
            assert (10 - weighted % 10) % 10 == int(sku[12]), sku


# --- coverage ------------------------------------------------------------------------------------

def test_every_payment_method_is_used():
    used = {m for s in SALES for m in methods(s)}
    assert used == set(PAYMENT_METHODS)


def test_split_tenders():
    completed = [s for s in SALES if s["status"] == "completed"]
    assert any(set(methods(s)) == {"card", "cash"} for s in completed)
    wallets = {"wechat", "alipay", "unionpay_qr"}
    assert any(len(methods(s)) == 2 and "cash" in methods(s) and set(methods(s)) & wallets
               for s in completed)
    assert any(set(methods(s)) >= {"card"} and set(methods(s)) & wallets for s in completed)
    odd = [s for s in completed if len(s["payments"]) >= 3
           and len({p["amount"] for p in s["payments"]}) > 1
           and any(not p["amount"].endswith(".00") for p in s["payments"])
           and all(minor(p["amount"]) * len(s["payments"]) != minor(str(total(s)))
                   for p in s["payments"])]
    assert odd, "a sale with three tenders that split with odd cents"


def test_uneven_discounted_and_multi_quantity_lines():
    lines = [ln for s in SALES for ln in s["lines"]]
    assert any(d(ln.get("discount", "0")) > 0 and minor(str(line_net(ln))) % ln["qty"]
               for ln in lines)
    assert sum(1 for ln in lines if ln["qty"] > 1) >= 10


def test_chinese_and_english_item_names():
    names = {ln["name"] for s in SALES for ln in s["lines"]}
    assert any(CJK_RE.search(n) and not re.search(r"[A-Za-z]{3}", n) for n in names)
    assert any(n.isascii() and re.search(r"[A-Za-z]{3}", n) for n in names)
    assert any(CJK_RE.search(n) and re.search(r"[A-Za-z]{3}", n) for n in names)


def test_voided_and_unsettled_sales():
    assert any(s["status"] == "voided" for s in SALES)
    assert any(p["method"] == "card" and p["settled"] is False and s["status"] == "completed"
               for s in SALES for p in s["payments"])


def test_dates_around_the_refund_window():
    ages = {}
    for sale in SALES:
        assert sold_at(sale) < DEMO_NOW, sale["receipt_no"]
        if max(age_days(sale), calendar_age(sale)) >= 28:
            # near or past the window, elapsed whole days and calendar days agree, so each
            # sale is on the same side of 30 and 365 however the engine counts days
            assert age_days(sale) == calendar_age(sale), sale["receipt_no"]
        ages.setdefault(age_days(sale), []).append(sale)
    assert 29 in ages and 31 in ages and 45 in ages
    old = [s for a, group in ages.items() if a > 365 for s in group]
    assert old and all(set(methods(s)) == {"cash"} for s in old)
    recent = sum(len(group) for a, group in ages.items() if a <= 7)
    assert recent > len(SALES) // 2, "most sales on the demo day and the days before it"
    assert len(ages.get(0, [])) >= 10, "plenty of sales on the demo day"
    assert {s["till"] for s in SALES} == {"T01", "T02", "T03"}


def test_a_sale_over_the_approval_threshold():
    assert any(total(s) > Decimal("500.00") and s["status"] == "completed" for s in SALES)


def test_one_card_on_several_dates_for_find_a_sale():
    by_last4: dict[str, set] = {}
    for sale in SALES:
        for p in sale["payments"]:
            if p["method"] == "card":
                by_last4.setdefault(p["card_last4"], set()).add(sold_at(sale).date())
    assert any(len(dates) >= 3 for dates in by_last4.values())


# --- scenarios.json ------------------------------------------------------------------------------

def test_accounts_for_the_sign_in_screen():
    accounts = SCEN["accounts"]
    assert len({a["id"] for a in accounts}) == len(accounts)
    assert {a["role"] for a in accounts} == {"cashier", "manager"}
    for a in accounts:
        assert a["name"] and re.fullmatch(r"\d{4,8}", a["pin"]), a


def test_seed_refunds_are_valid_and_need_no_approval():
    kinds = Counter(r["kind"] for r in SCEN["seed_refunds"])
    assert kinds["items"] >= 1 and kinds["full"] >= 1
    scripted = set(SCEN["gateway_script"])
    for seed in SCEN["seed_refunds"]:
        sale = BY_RECEIPT[seed["receipt_no"]]
        assert sale["status"] == "completed"
        assert seed["reason"] in REASONS and seed["reason"] != "other"
        # seeded through the engine without a manager: inside the window, under 500.00
        assert age_days(sale) <= 30 and total(sale) <= Decimal("500.00")
        for p in sale["payments"]:
            assert p.get("settled", True) and p.get("reference") not in scripted
        if seed["kind"] == "items":
            assert seed["items"]
            for item in seed["items"]:
                assert 1 <= item["line_no"] <= len(sale["lines"])  # line_no counts from 1
                assert 1 <= item["qty"] <= sale["lines"][item["line_no"] - 1]["qty"]


def test_gateway_script_references_exist_once():
    refs = Counter(p.get("reference") for s in SALES for p in s["payments"])
    behaviours = set(SCEN["gateway_script"].values())
    assert behaviours == {"timeout_then_success", "decline_once", "slow"}
    for ref in SCEN["gateway_script"]:
        assert refs[ref] == 1, ref
    for ref, count in refs.items():
        assert ref is None or count == 1, f"payment reference {ref} is used twice"


def test_scenarios_complete_in_both_languages():
    scenarios = SCEN["scenarios"]
    assert len(scenarios) >= 10
    assert len({s["id"] for s in scenarios}) == len(scenarios)
    for s in scenarios:
        assert set(s) == SCENARIO_KEYS, s["id"]
        assert s["receipt_no"] in BY_RECEIPT, s["id"]
        for lang in ("en", "zh"):
            assert s[f"title_{lang}"].strip() and s[f"expect_{lang}"].strip(), s["id"]
            steps = s[f"steps_{lang}"]
            assert isinstance(steps, list) and steps and all(x.strip() for x in steps), s["id"]
        assert len(s["steps_en"]) == len(s["steps_zh"]), s["id"]
        for field in ("title_zh", "expect_zh", "steps_zh"):
            assert CJK_RE.search(json.dumps(s[field], ensure_ascii=False)), (s["id"], field)


def test_scenarios_cover_every_special_receipt():
    practised = {s["receipt_no"] for s in SCEN["scenarios"]}
    ref_to_receipt = {p.get("reference"): s["receipt_no"] for s in SALES for p in s["payments"]}
    needed = {ref_to_receipt[r] for r in SCEN["gateway_script"]}
    needed |= {r["receipt_no"] for r in SCEN["seed_refunds"]}
    needed |= {s["receipt_no"] for s in SALES if s["status"] == "voided"}
    needed |= {s["receipt_no"] for s in SALES
               if any(p.get("settled") is False for p in s["payments"])}
    assert needed <= practised, needed - practised
    assert any(age_days(BY_RECEIPT[r]) > 30 for r in practised)
    assert any(age_days(BY_RECEIPT[r]) > 365 for r in practised)
    assert any(total(BY_RECEIPT[r]) > Decimal("500.00") for r in practised)
    assert any(len(BY_RECEIPT[r]["payments"]) >= 3 for r in practised)


def _scenario(sid: str) -> dict:
    return next(s for s in SCEN["scenarios"] if s["id"] == sid)


def _says(sid: str, *amounts: int) -> None:
    s = _scenario(sid)
    for m in amounts:
        assert yuan(m) in s["expect_en"], (sid, yuan(m))
        assert yuan(m) in s["expect_zh"], (sid, yuan(m))


def _nets(sale: dict) -> list[int]:
    return [minor(str(line_net(ln))) for ln in sale["lines"]]


def _paid(sale: dict) -> list[int]:
    return [minor(p["amount"]) for p in sale["payments"]]


def test_expected_amounts_follow_the_engine_arithmetic():
    # partial refund of a discounted line: 1 unit, then the other 2
    sale = BY_RECEIPT[_scenario("partial-discounted-line")["receipt_no"]]
    net, qty = _nets(sale)[0], sale["lines"][0]["qty"]
    first = units_amount(net, qty, 0, 0, 1)
    rest = units_amount(net, qty, 1, first, qty - 1)
    assert net * 1 // qty == first and first + rest == net and net % qty
    _says("partial-discounted-line", first, rest, net)

    # one unit of line 2, split back over two and over three tenders
    for sid, parts in (("split-card-wallet", 2), ("three-tenders", 3)):
        sale = BY_RECEIPT[_scenario(sid)["receipt_no"]]
        amount = units_amount(_nets(sale)[1], sale["lines"][1]["qty"], 0, 0, 1)
        split = allocate(amount, _paid(sale))
        assert len(split) == parts and sum(split) == amount
        _says(sid, amount, *split)

    # price adjustment of 50.00, then the full refund of what is left
    sale = BY_RECEIPT[_scenario("amount-then-full")["receipt_no"]]
    first = allocate(5000, _paid(sale))
    left = [p - f for p, f in zip(_paid(sale), first, strict=True)]
    assert allocate(sum(left), left) == left
    _says("amount-then-full", 5000, *first, *left, sum(left))

    # the seeded partial refund, then what is left of that sale
    seed = next(r for r in SCEN["seed_refunds"] if r["kind"] == "items")
    sale = BY_RECEIPT[seed["receipt_no"]]
    seeded = 0
    for item in seed["items"]:
        line = sale["lines"][item["line_no"] - 1]
        seeded += units_amount(_nets(sale)[item["line_no"] - 1], line["qty"], 0, 0, item["qty"])
    _says("partly-refunded", seeded, sum(_nets(sale)) - seeded)

    # the whole sale, where a scenario refunds everything
    for sid in ("full-card", "cash-for-card", "inside-window", "outside-window",
                "older-than-a-year", "decline-then-retry", "timeout-then-retry",
                "slow-provider", "unsettled-void", "over-threshold"):
        _says(sid, sum(_nets(BY_RECEIPT[_scenario(sid)["receipt_no"]])))


def test_find_a_sale_scenario_matches_one_sale_on_that_date():
    sale = BY_RECEIPT[_scenario("find-without-receipt")["receipt_no"]]
    last4 = next(p["card_last4"] for p in sale["payments"] if p["method"] == "card")
    same_card = [s for s in SALES
                 if any(p.get("card_last4") == last4 for p in s["payments"])]
    same_day = [s for s in same_card if sold_at(s).date() == sold_at(sale).date()]
    assert len(same_card) >= 3 and same_day == [sale]
    text = _scenario("find-without-receipt")
    assert last4 in text["steps_en"][1] and sold_at(sale).date().isoformat() in text["steps_en"][2]


# --- through the real importer, once it lands ----------------------------------------------------

def test_demo_file_imports_through_the_importer(engine):
    if importlib.util.find_spec("cashier_tui.importer") is None:
        pytest.importorskip("cashier_tui.importer", reason="cashier_tui.importer not written yet")
    importer = importlib.import_module("cashier_tui.importer")
    from sqlalchemy import func
    from sqlmodel import Session, select

    from cashier_tui.storage.models import Sale, SaleLine, Tender

    importer.import_sales(engine, SALES_PATH)
    importer.import_sales(engine, SALES_PATH)  # the same sales again: a no-op (§4)

    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Sale)).one() == len(SALES)
        totals = dict(session.exec(select(Sale.receipt_no, Sale.total)).all())
        assert totals == {s["receipt_no"]: minor(str(total(s))) for s in SALES}
        voided = session.exec(select(Sale.receipt_no).where(Sale.status == "voided")).all()
        assert set(voided) == {s["receipt_no"] for s in SALES if s["status"] == "voided"}
        unsettled = session.exec(select(func.count()).select_from(Tender)
                                 .where(Tender.settled == False)).one()  # noqa: E712
        assert unsettled == sum(1 for s in SALES for p in s["payments"]
                                if p.get("settled") is False)
        # seed_refunds name lines by line_no, counting from 1 in file order
        seed = next(r for r in SCEN["seed_refunds"] if r["kind"] == "items")
        sale_id = session.exec(select(Sale.id).where(Sale.receipt_no == seed["receipt_no"])).one()
        for item in seed["items"]:
            name = session.exec(select(SaleLine.name).where(
                SaleLine.sale_id == sale_id, SaleLine.line_no == item["line_no"])).one()
            assert name == BY_RECEIPT[seed["receipt_no"]]["lines"][item["line_no"] - 1]["name"]


def test_readme_lists_every_receipt_and_scenario():
    readme = (DATA / "README.md").read_text("utf-8")
    rows = set(re.findall(r"^\| (\S+) \|", readme, flags=re.MULTILINE))
    assert set(BY_RECEIPT) <= rows, set(BY_RECEIPT) - rows
    assert {s["id"] for s in SCEN["scenarios"]} <= rows
