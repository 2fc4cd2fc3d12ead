"""Generate the demo data set: ``demo_sales.jsonl`` and ``scenarios.json`` (DESIGN.md §4, §8).

Run ``python data/make_demo_sales.py`` from the repository root to rewrite both files. The
committed files must equal this script's output (``tests/test_demo_data.py`` checks it), so
edit the tables below, never the generated files.

The script stands alone (stdlib only): it computes the amounts the scenarios promise with its
own copy of the refund arithmetic, and the tests check them against ``cashier_tui.domain``.

Demo clock: 2026-11-20T15:00:00+08:00 (Asia/Shanghai); store S01, the demo till is T01.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SALES_FILE = HERE / "demo_sales.jsonl"
SCENARIOS_FILE = HERE / "scenarios.json"

DEMO_NOW = datetime.fromisoformat("2026-11-20T15:00:00+08:00")
STORE = "S01"
CURRENCY = "CNY"


# --- arithmetic (integer minor units; DESIGN.md §5) -------------------------------------------

def per_unit(net: int, qty: int, q0: int, q1: int) -> int:
    """What units q0..q1 of a line with net ``net`` over ``qty`` units refund."""
    return net * q1 // qty - net * q0 // qty


def largest_remainder(amount: int, caps: list[int]) -> list[int]:
    """Split ``amount`` in proportion to ``caps``; ties go to the earlier tender."""
    total = sum(caps)
    parts = [amount * c // total for c in caps]
    rems = [amount * c % total for c in caps]
    for i in sorted(range(len(caps)), key=lambda i: (-rems[i], i))[: amount - sum(parts)]:
        parts[i] += 1
    return parts


def plain(minor: int) -> str:
    """Minor units as the import format's decimal string: 12345 -> "123.45"."""
    return f"{minor // 100}.{minor % 100:02d}"


def yuan(minor: int) -> str:
    """As the till shows it (Babel, zh): 129900 -> "¥1,299.00" (en adds CN before ¥)."""
    return f"¥{minor // 100:,}.{minor % 100:02d}"


def cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


# --- catalogue ---------------------------------------------------------------------------------

def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def ean13(item: int) -> str:
    """A valid EAN-13 under the Chinese GS1 prefix 692, chosen so it does NOT pass the Luhn
    check: the importer may exempt ``sku`` from the card-number scan, but it need not."""
    while True:
        body = f"692345{item:06d}"
        check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
        code = body + str(check)
        if not luhn_ok(code):
            return code
        item += 1


# key: (item number for the sku, name, unit price, tax rate)
ITEMS: dict[str, tuple[int, str, str, str]] = {
    "cup": (101, "保温杯 500ml", "59.00", "0.13"),
    "tote": (102, "帆布袋", "19.90", "0.13"),
    "usbc": (103, "USB-C cable 1m", "49.50", "0.13"),
    "tea": (104, "绿茶 green tea 500ml", "4.50", "0.13"),
    "teabox": (105, "绿茶礼盒 green tea gift box", "35.00", "0.13"),
    "water": (106, "矿泉水 550ml", "2.00", "0.13"),
    "notebook": (107, "笔记本 A5 notebook", "12.67", "0.13"),
    "pen": (108, "签字笔 gel pen 0.5mm", "15.50", "0.13"),
    "earbuds": (109, "蓝牙耳机 Bluetooth earbuds", "199.00", "0.13"),
    "mouse": (110, "无线鼠标 wireless mouse", "129.00", "0.13"),
    "lamp": (111, "LED 台灯 desk lamp", "189.00", "0.13"),
    "beans": (112, "咖啡豆 coffee beans 250g", "78.00", "0.13"),
    "umbrella": (113, "折叠伞 folding umbrella", "69.00", "0.13"),
    "towel": (114, "纯棉毛巾", "25.80", "0.13"),
    "powerbank": (115, "充电宝 power bank 10000mAh", "139.00", "0.13"),
    "espresso": (116, "意式咖啡机 espresso machine", "1299.00", "0.13"),
    "case": (117, "Phone case", "39.00", "0.13"),
    "batteries": (118, "AA batteries 4-pack", "16.80", "0.13"),
    "mug": (119, "马克杯", "35.00", "0.13"),
    "chocolate": (120, "黑巧克力 dark chocolate 100g", "22.90", "0.13"),
    "rice": (121, "五常大米 5kg", "89.90", "0.09"),
    "nuts": (122, "坚果礼盒 nut gift box", "128.00", "0.13"),
    "headphones": (123, "Noise-cancelling headphones", "899.00", "0.13"),
    "keyboard": (124, "Mechanical keyboard", "359.00", "0.13"),
    "tissue": (125, "抽纸 3包", "15.90", "0.13"),
    "yogurt": (126, "酸奶 原味 200g", "6.50", "0.09"),
}


# --- the sales ---------------------------------------------------------------------------------
# (receipt, local time on +08:00, till, cashier, lines [(item, qty[, discount])], payments,
#  extra) — a payment is (method, amount or None for "the rest", reference, card_last4[, settled])

def card(amount, ref, last4, settled=True):
    return ("card", amount, ref, last4, settled)


def wallet(method, amount, ref):
    return (method, amount, ref, None, True)


def cash(amount=None):
    return ("cash", amount, None, None, True)


SALES = [
    # -- the receipts the scenarios and the scripted gateway use --------------------------------
    ("1001", "2026-11-20T09:12", "T01", "C001", [("cup", 1), ("tote", 1)],
     [card(None, "AUTH300101", "4321")], {}),
    ("1002", "2026-11-20T09:25", "T01", "C001", [("teabox", 3, "5.00"), ("tote", 1)],
     [wallet("alipay", None, "ALI2088100002")], {}),
    ("1003", "2026-11-20T09:40", "T01", "C002", [("earbuds", 1), ("usbc", 2)],
     [card("150.00", "AUTH300103", "5512"), wallet("wechat", None, "WX4200001003")], {}),
    ("1004", "2026-11-20T10:02", "T01", "C002", [("notebook", 3), ("pen", 4)],
     [card("33.33", "AUTH300104", "6620"), wallet("alipay", "33.33", "ALI2088100004"),
      cash("33.35")], {}),
    ("1005", "2026-11-20T10:15", "T01", "C001", [("powerbank", 1), ("batteries", 1)],
     [card(None, "AUTH300105", "7093")], {}),
    ("1006", "2026-10-20T11:30", "T02", "C004", [("keyboard", 1)],
     [card(None, "AUTH300106", "2048")], {}),
    ("1007", "2026-10-06T10:20", "T03", "C005", [("nuts", 1), ("chocolate", 3)],
     [wallet("wechat", None, "WX4200001007")], {}),
    ("1008", "2026-10-22T11:00", "T02", "C003", [("umbrella", 1), ("towel", 2)],
     [wallet("unionpay_qr", None, "UPQ6200101008")], {}),
    ("1009", "2026-11-20T11:05", "T01", "C002", [("mug", 2)],
     [wallet("wechat", None, "WX4200001009")], {"status": "voided"}),
    ("1010", "2026-11-19T16:40", "T01", "C001", [("lamp", 1)],
     [card(None, "AUTH-DECLINE-01", "3306")], {}),
    ("1011", "2026-11-19T17:55", "T02", "C003", [("mouse", 1)],
     [card(None, "AUTH-TIMEOUT-01", "9174")], {}),
    ("1012", "2026-11-20T12:30", "T01", "C001", [("beans", 2)],
     [wallet("wechat", None, "WX-SLOW-01")], {}),
    ("1013", "2026-11-20T14:20", "T01", "C002", [("case", 1), ("usbc", 1)],
     [card(None, "AUTH300113", "5820", settled=False)], {}),
    ("1014", "2026-11-18T15:10", "T03", "C006", [("espresso", 1)],
     [card(None, "AUTH300114", "1190")], {}),
    ("1015", "2025-09-12T10:00", "T02", "C004", [("rice", 2)], [cash()], {}),
    ("1016", "2026-11-20T10:40", "T01", "C001", [("cup", 2, "10.00"), ("tea", 6), ("tote", 1)],
     [wallet("wechat", None, "WX4200001016")], {}),
    ("1017", "2026-11-19T11:20", "T01", "C002", [("towel", 1), ("tissue", 3)],
     [card(None, "AUTH300117", "4470")], {}),
    # four card sales on one card (last 4 = 8837) on four dates: find a sale without its receipt
    ("1018", "2026-11-20T13:05", "T01", "C001", [("batteries", 2)],
     [card(None, "AUTH300118", "8837")], {}),
    ("1019", "2026-11-18T18:22", "T02", "C003", [("mouse", 1), ("case", 1), ("usbc", 2)],
     [card(None, "AUTH300119", "8837")], {}),
    ("1020", "2026-11-12T14:45", "T03", "C005", [("earbuds", 1)],
     [card(None, "AUTH300120", "8837")], {}),
    ("1021", "2026-10-30T19:10", "T01", "C001", [("cup", 1), ("towel", 1)],
     [card(None, "AUTH300121", "8837")], {}),
    ("1022", "2026-11-20T11:30", "T01", "C002", [("keyboard", 1), ("pen", 2)],
     [card("300.00", "AUTH300122", "6061"), cash()], {}),
    ("1023", "2026-11-19T09:50", "T03", "C006", [("rice", 1), ("tea", 12, "4.00"), ("water", 6)],
     [wallet("alipay", "100.00", "ALI2088101023"), cash()], {}),
    ("1024", "2026-11-17T12:10", "T02", "C004", [("chocolate", 7, "10.30")],
     [wallet("unionpay_qr", None, "UPQ6200101024")], {}),
    # -- everyday sales on the demo day and the days before it ----------------------------------
    ("1025", "2026-11-20T08:55", "T01", "C001", [("water", 2), ("tea", 1)], [cash()], {}),
    ("1026", "2026-11-20T09:33", "T02", "C003", [("case", 1)],
     [wallet("unionpay_qr", None, "UPQ6200101026")], {}),
    ("1027", "2026-11-20T10:21", "T03", "C005", [("headphones", 1)],
     [wallet("alipay", None, "ALI2088101027")], {}),
    ("1028", "2026-11-20T11:48", "T01", "C002", [("chocolate", 2), ("yogurt", 4)],
     [wallet("wechat", None, "WX4200001028")], {}),
    ("1029", "2026-11-20T12:05", "T02", "C004", [("batteries", 3, "0.40")], [cash()], {}),
    ("1030", "2026-11-20T13:30", "T03", "C006", [("mug", 1), ("tote", 2)],
     [card(None, "AUTH300130", "2261")], {}),
    ("1031", "2026-11-20T14:02", "T01", "C001", [("rice", 1), ("tissue", 2)],
     [wallet("alipay", "100.00", "ALI2088101031"), cash()], {}),
    ("1032", "2026-11-20T14:41", "T02", "C003", [("umbrella", 1)],
     [wallet("unionpay_qr", None, "UPQ6200101032")], {}),
    ("1033", "2026-11-19T10:12", "T01", "C002", [("powerbank", 1), ("usbc", 1)],
     [card("100.00", "AUTH300133", "3958"), cash()], {}),
    ("1034", "2026-11-19T13:26", "T03", "C005", [("nuts", 2, "6.00")],
     [wallet("wechat", None, "WX4200001034")], {}),
    ("1035", "2026-11-19T15:47", "T02", "C004", [("notebook", 5)], [cash()], {}),
    ("1036", "2026-11-19T19:03", "T01", "C001", [("towel", 4)],
     [card(None, "AUTH300136", "7715")], {}),
    ("1037", "2026-11-18T09:18", "T01", "C002", [("keyboard", 1), ("mouse", 1)],
     [card(None, "AUTH300137", "0412")], {}),
    ("1038", "2026-11-18T11:44", "T02", "C003", [("yogurt", 12, "8.00")],
     [wallet("alipay", None, "ALI2088101038")], {}),
    ("1039", "2026-11-18T16:30", "T03", "C006", [("cup", 3)],
     [wallet("unionpay_qr", None, "UPQ6200101039")], {}),
    ("1040", "2026-11-17T10:05", "T01", "C001", [("beans", 1), ("mug", 1)],
     [wallet("wechat", None, "WX4200001040")], {}),
    ("1041", "2026-11-17T14:55", "T02", "C004", [("lamp", 1)],
     [card("100.00", "AUTH300141", "5307"), wallet("unionpay_qr", None, "UPQ6200101041")], {}),
    ("1042", "2026-11-16T12:40", "T03", "C005", [("tea", 24, "8.00")], [cash()], {}),
    ("1043", "2026-11-15T17:20", "T01", "C002", [("earbuds", 1), ("case", 1)],
     [wallet("alipay", None, "ALI2088101043")], {}),
    ("1044", "2026-11-14T11:11", "T02", "C003", [("pen", 10, "5.00")],
     [card(None, "AUTH300144", "6189")], {}),
    ("1045", "2026-11-13T15:35", "T03", "C006", [("chocolate", 1), ("water", 3)], [cash()], {}),
    ("1046", "2026-11-10T10:30", "T01", "C001", [("nuts", 1)],
     [wallet("unionpay_qr", None, "UPQ6200101046")], {}),
    ("1047", "2026-11-05T18:00", "T02", "C004", [("headphones", 1)],
     [card(None, "AUTH300147", "2730")], {}),
    ("1048", "2026-10-26T13:15", "T03", "C005", [("umbrella", 2)],
     [wallet("wechat", None, "WX4200001048")], {}),
]


def build_sales() -> list[dict]:
    sales = []
    for receipt, at, till, cashier, lines, pays, extra in SALES:
        out_lines, total = [], 0
        for item, qty, *rest in lines:
            item_no, name, price, tax = ITEMS[item]
            line = {"sku": ean13(item_no), "name": name, "qty": qty, "unit_price": price}
            net = qty * cents(price)
            if rest:
                line["discount"] = rest[0]
                net -= cents(rest[0])
            line["tax_rate"] = tax
            assert net >= 0, receipt
            total += net
            out_lines.append(line)
        known = sum(cents(a) for _, a, *_ in pays if a is not None)
        out_pays = []
        for method, amount, ref, last4, settled in pays:
            pay = {"method": method, "amount": amount or plain(total - known)}
            if ref:
                pay["reference"] = ref
            if method == "card":
                pay["card_last4"] = last4
                pay["settled"] = settled
            out_pays.append(pay)
        assert sum(cents(p["amount"]) for p in out_pays) == total, receipt
        sales.append({
            "receipt_no": receipt, "sold_at": f"{at}:00+08:00", "store": STORE, "till": till,
            "cashier": cashier, "currency": CURRENCY, "status": extra.get("status", "completed"),
            "lines": out_lines, "payments": out_pays,
        })
    return sales


# --- scenarios ---------------------------------------------------------------------------------

ACCOUNTS = [
    {"id": "T1", "name": "Trainee", "role": "cashier", "pin": "1111"},
    {"id": "T2", "name": "学员 李明", "role": "cashier", "pin": "2222"},
    {"id": "M1", "name": "Manager", "role": "manager", "pin": "9999"},
]

SEED_REFUNDS = [
    {"receipt_no": "1016", "kind": "items", "items": [{"line_no": 2, "qty": 2}],
     "reason": "changed_mind"},
    {"receipt_no": "1017", "kind": "full", "items": [], "reason": "defective"},
]

GATEWAY_SCRIPT = {
    "AUTH-TIMEOUT-01": "timeout_then_success",
    "AUTH-DECLINE-01": "decline_once",
    "WX-SLOW-01": "slow",
}


def _sale(sales: list[dict], receipt: str) -> dict:
    return next(s for s in sales if s["receipt_no"] == receipt)


def _nets(sale: dict) -> list[int]:
    return [ln["qty"] * cents(ln["unit_price"]) - cents(ln.get("discount", "0"))
            for ln in sale["lines"]]


def _total(sale: dict) -> int:
    return sum(_nets(sale))


def _paid(sale: dict) -> list[int]:
    return [cents(p["amount"]) for p in sale["payments"]]


def _age(sale: dict) -> int:
    return (DEMO_NOW - datetime.fromisoformat(sale["sold_at"])).days


def _sc(sid, receipt, title_en, title_zh, steps_en, steps_zh, expect_en, expect_zh) -> dict:
    return {"id": sid, "title_en": title_en, "title_zh": title_zh, "receipt_no": receipt,
            "steps_en": steps_en, "steps_zh": steps_zh,
            "expect_en": expect_en, "expect_zh": expect_zh}


SCAN_EN = "Scan receipt {r} (or type {r}) and press Enter."
SCAN_ZH = "扫描小票 {r}（或输入 {r}）后按 Enter。"
MGR_EN = "When the approval box opens, sign as manager M1 with PIN 9999."
MGR_ZH = "弹出主管授权时，输入主管 M1，PIN 9999。"


def build_scenarios(sales: list[dict]) -> list[dict]:
    s = {r: _sale(sales, r) for r in (
        "1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1012", "1013",
        "1014", "1015", "1016", "1017", "1019", "1022", "1010", "1011")}
    out = []

    # full refund to card
    t = _total(s["1001"])
    out.append(_sc(
        "full-card", "1001", "Full refund to the card", "全额退款，原路返回银行卡",
        [SCAN_EN.format(r="1001"), "Choose Full refund; reason: defective.",
         "Payout: original tenders. Confirm with y."],
        [SCAN_ZH.format(r="1001"), "选择全额退款；退款原因：defective（商品有缺陷）。",
         "退款方式：原路返回。按 y 确认。"],
        f"{yuan(t)} goes back to card ****4321; the refund voucher prints with TRAINING.",
        f"{yuan(t)} 原路返回银行卡 ****4321；退款凭证打印，带 TRAINING（培训模式）水印。"))

    # partial refund of a discounted line (3 units for 100.00)
    line = s["1002"]["lines"][0]
    n, net = line["qty"], _nets(s["1002"])[0]
    one, rest = per_unit(net, n, 0, 1), per_unit(net, n, 1, n)
    out.append(_sc(
        "partial-discounted-line", "1002", "Partial refund of a discounted line",
        "部分退款：打折商品行",
        [SCAN_EN.format(r="1002"),
         f"Choose Partial by items; on line 1 ({line['name']}: {n} for {yuan(net)}) "
         "set the quantity to 1.", "Reason: changed_mind. Confirm."],
        [SCAN_ZH.format(r="1002"),
         f"选择部分退款（按商品）；第 1 行（{line['name']}，{n} 件共 {yuan(net)}）数量填 1。",
         "退款原因：changed_mind（不想要了）。确认。"],
        f"The till refunds {yuan(one)}: {n} units for {yuan(net)} do not divide evenly, and the "
        f"per-unit rule gives {net}*1//{n} = {one} fen for the first unit. Refunding the "
        f"other 2 later gives {yuan(rest)}, so the line adds up "
        f"to {yuan(net)} exactly. Money goes back to Alipay.",
        f"{n} 件共 {yuan(net)} 无法平均分，按件规则第 1 件退 {net}*1//{n} = {one} 分，"
        f"即退款 {yuan(one)}。之后再退另外 2 件为 {yuan(rest)}，"
        f"整行合计正好 {yuan(net)}。原路返回支付宝。"))

    # split tender back to card and wallet
    sale = s["1003"]
    amt = per_unit(_nets(sale)[1], sale["lines"][1]["qty"], 0, 1)
    c, w = largest_remainder(amt, _paid(sale))
    out.append(_sc(
        "split-card-wallet", "1003", "Split tender: back to card and WeChat",
        "组合支付：原路返回银行卡和微信",
        [SCAN_EN.format(r="1003"),
         "Choose Partial by items; line 2 (USB-C cable 1m) quantity 1.",
         "Reason: defective. Payout: original tenders. Look at the per-tender breakdown, "
         "then confirm."],
        [SCAN_ZH.format(r="1003"), "选择部分退款（按商品）；第 2 行（USB-C cable 1m）数量 1。",
         "退款原因：defective。退款方式：原路返回。先看各支付方式的分摊，再确认。"],
        f"{yuan(amt)} split in proportion to what each tender can still refund "
        f"({yuan(_paid(sale)[0])} card, {yuan(_paid(sale)[1])} WeChat): card ****5512 {yuan(c)}, "
        f"WeChat {yuan(w)}.",
        f"{yuan(amt)} 按各支付方式可退金额比例分摊：银行卡 ****5512 {yuan(c)}，微信 {yuan(w)}。"))

    # three tenders with odd cents
    sale = s["1004"]
    amt = per_unit(_nets(sale)[1], sale["lines"][1]["qty"], 0, 1)
    c, a, k = largest_remainder(amt, _paid(sale))
    out.append(_sc(
        "three-tenders", "1004", "Three tenders with odd cents", "三种支付方式，金额带零头",
        [SCAN_EN.format(r="1004"),
         "Choose Partial by items; line 2 (gel pen) quantity 1. Reason: wrong_item.",
         "Payout: original tenders. Confirm; give the cash part from the drawer."],
        [SCAN_ZH.format(r="1004"),
         "选择部分退款（按商品）；第 2 行（签字笔）数量 1。退款原因：wrong_item（拿错商品）。",
         "退款方式：原路返回。确认；现金部分从钱箱付给顾客。"],
        f"{yuan(amt)} over card / Alipay / cash (paid 33.33 / 33.33 / 33.35): card ****6620 "
        f"{yuan(c)}, Alipay {yuan(a)}, cash {yuan(k)}. The tie between card and Alipay goes to "
        "the earlier tender (card). The drawer opens for the cash.",
        f"{yuan(amt)} 分摊到银行卡/支付宝/现金（原付 33.33/33.33/33.35）：银行卡 ****6620 "
        f"{yuan(c)}，支付宝 {yuan(a)}，现金 {yuan(k)}。零头相同时归前一种支付方式（银行卡）。"
        "钱箱自动打开付现金。"))

    # cash refund of a card sale
    t = _total(s["1005"])
    out.append(_sc(
        "cash-for-card", "1005", "Cash refund of a card sale (manager approval)",
        "银行卡消费改退现金（需主管授权）",
        [SCAN_EN.format(r="1005"), "Choose Full refund; reason: changed_mind.",
         "Payout: cash (not the original tenders). Confirm.", MGR_EN],
        [SCAN_ZH.format(r="1005"), "选择全额退款；退款原因：changed_mind。",
         "退款方式选现金（不原路返回）。确认。", MGR_ZH],
        f"The approval box names the rule: cash for a sale not paid in cash. After approval the "
        f"drawer opens and you pay {yuan(t)} in cash; the card (****7093) can refund nothing more.",
        f"主管授权框写明原因：非现金消费退现金。授权后钱箱打开，付现金 {yuan(t)}；"
        "该银行卡 (****7093) 不能再退款。"))

    # last days inside the window
    sale = s["1008"]
    out.append(_sc(
        "inside-window", "1008", "29 days old: still inside the window",
        "29 天前的小票：仍在退款期内",
        [SCAN_EN.format(r="1008"), "Choose Full refund; reason: not_as_described. Confirm."],
        [SCAN_ZH.format(r="1008"),
         "选择全额退款；退款原因：not_as_described（与描述不符）。确认。"],
        f"Sold {_age(sale)} days ago: no OUTSIDE WINDOW badge and no manager needed. "
        f"{yuan(_total(sale))} goes back to UnionPay QR.",
        f"{_age(sale)} 天前售出：没有“超出退款期”标记，不需要主管授权。"
        f"{yuan(_total(sale))} 原路返回云闪付（银联二维码）。"))

    # just outside the window
    sale = s["1006"]
    out.append(_sc(
        "outside-window", "1006", "Refund outside the 30-day window", "超出 30 天退款期的退款",
        [SCAN_EN.format(r="1006"), "Note the badge on the sale screen.",
         "Choose Full refund; reason: defective. Confirm.", MGR_EN],
        [SCAN_ZH.format(r="1006"), "留意小票页面上的标记。",
         "选择全额退款；退款原因：defective。确认。", MGR_ZH],
        f"Sold {_age(sale)} days ago: badge OUTSIDE WINDOW ({_age(sale) - 30} day). The manager "
        f"approves (rule: outside window); {yuan(_total(sale))} goes back to card ****2048.",
        f"{_age(sale)} 天前售出：显示“超出退款期（{_age(sale) - 30} 天）”。需主管授权"
        f"（原因：超出退款期）；{yuan(_total(sale))} 原路返回银行卡 ****2048。"))

    sale = s["1007"]
    out.append(_sc(
        "outside-window-45", "1007", "45 days old: well outside the window",
        "45 天前的小票：远超退款期",
        [SCAN_EN.format(r="1007"), "Choose Partial by items; line 2 (dark chocolate) quantity 1.",
         "Reason: other, text: customer goodwill. Confirm.", MGR_EN],
        [SCAN_ZH.format(r="1007"), "选择部分退款（按商品）；第 2 行（黑巧克力）数量 1。",
         "退款原因：other（其他），并填写说明：顾客关怀。确认。", MGR_ZH],
        f"Badge OUTSIDE WINDOW ({_age(sale) - 30} days); even a small refund needs the manager. "
        f"{yuan(per_unit(_nets(sale)[1], 3, 0, 1))} goes back to WeChat.",
        f"显示“超出退款期（{_age(sale) - 30} 天）”；金额再小也需主管授权。"
        f"{yuan(per_unit(_nets(sale)[1], 3, 0, 1))} 原路返回微信。"))

    sale = s["1015"]
    out.append(_sc(
        "older-than-a-year", "1015", "Older than 365 days: cash only",
        "超过 365 天的小票：只能退现金",
        [SCAN_EN.format(r="1015"), "Choose Full refund; reason: defective. Payout: cash.",
         "Confirm.", MGR_EN],
        [SCAN_ZH.format(r="1015"), "选择全额退款；退款原因：defective。退款方式：现金。", "确认。",
         MGR_ZH],
        f"Sold {_age(sale)} days ago (OUTSIDE WINDOW, {_age(sale) - 30} days). Past 365 days no "
        f"provider takes a refund, so only cash is offered; it was a cash sale anyway. After "
        f"approval the drawer opens: pay {yuan(_total(sale))}.",
        f"{_age(sale)} 天前售出（超出退款期 {_age(sale) - 30} 天）。超过 365 天无法原路返回，"
        f"只能退现金（本单原本就是现金支付）。主管授权后钱箱打开，付 {yuan(_total(sale))}。"))

    out.append(_sc(
        "voided-sale", "1009", "A voided sale: nothing to refund", "已撤销的交易：无可退金额",
        [SCAN_EN.format(r="1009"), "Try Full refund."],
        [SCAN_ZH.format(r="1009"), "尝试全额退款。"],
        "Badge VOIDED; the till refuses the refund and says why: the sale was voided, "
        "so nothing was paid that could come back.",
        "显示“已撤销”标记；收银台拒绝退款并说明原因：该交易已撤销，没有可退的款项。"))

    t = _total(s["1010"])
    out.append(_sc(
        "decline-then-retry", "1010", "Card refund declined, then retried",
        "银行卡退款被拒，然后重试",
        [SCAN_EN.format(r="1010"), "Choose Full refund; reason: defective. Confirm.",
         "Read the message, then press Retry."],
        [SCAN_ZH.format(r="1010"), "选择全额退款；退款原因：defective。确认。",
         "阅读提示后按重试。"],
        f"The first attempt is declined and the till says so plainly, with what to do next. "
        f"Retry goes through: {yuan(t)} back to card ****3306. One refund in the journal, not two.",
        f"第一次被拒，收银台清楚地提示原因和下一步。重试成功：{yuan(t)} 原路返回银行卡 ****3306。"
        "日志里只有一笔退款，而不是两笔。"))

    t = _total(s["1011"])
    out.append(_sc(
        "timeout-then-retry", "1011", "Card refund times out; a retry settles it",
        "银行卡退款超时；重试后完成",
        [SCAN_EN.format(r="1011"), "Choose Full refund; reason: wrong_item. Confirm.",
         "The result is unknown (timeout). Do not start a new refund: press Retry."],
        [SCAN_ZH.format(r="1011"), "选择全额退款；退款原因：wrong_item。确认。",
         "结果未知（超时）。不要重新发起退款：按重试。"],
        f"The till shows the timeout and keeps the refund pending; Retry asks again with the same "
        f"idempotency key and it settles: {yuan(t)} to card ****9174, paid exactly once.",
        f"收银台显示超时，退款保持处理中；重试使用同一幂等键查询，随即完成：{yuan(t)} "
        "原路返回银行卡 ****9174，只退一次。"))

    t = _total(s["1012"])
    out.append(_sc(
        "slow-provider", "1012", "A slow wallet provider", "微信支付响应缓慢",
        [SCAN_EN.format(r="1012"), "Choose Full refund; reason: changed_mind. Confirm.",
         "Wait: do not press anything twice while it works."],
        [SCAN_ZH.format(r="1012"), "选择全额退款；退款原因：changed_mind。确认。",
         "请等待：处理中不要重复按键。"],
        f"The processing screen shows progress for a few seconds and stays responsive; then "
        f"{yuan(t)} is back on WeChat.",
        f"处理页面显示进度几秒钟，界面仍可响应；随后 {yuan(t)} 原路返回微信。"))

    t = _total(s["1013"])
    out.append(_sc(
        "unsettled-void", "1013", "Today's card sale not yet settled: a void",
        "今天未结算的银行卡交易：撤销",
        [SCAN_EN.format(r="1013"), "Choose Full refund; reason: transaction_error. Confirm."],
        [SCAN_ZH.format(r="1013"), "选择全额退款；退款原因：transaction_error（交易错误）。确认。"],
        f"The card payment is not settled yet, so the whole {yuan(t)} is voided, not refunded: "
        "the breakdown and the voucher say VOID for card ****5820.",
        f"该银行卡交易尚未结算，{yuan(t)} 全额撤销而不是退款：分摊明细和退款凭证显示"
        "银行卡 ****5820 撤销。"))

    t = _total(s["1014"])
    out.append(_sc(
        "over-threshold", "1014", "A refund over 500.00 needs a manager",
        "超过 500.00 的退款需主管授权",
        [SCAN_EN.format(r="1014"), "Choose Full refund; reason: defective. Confirm.", MGR_EN],
        [SCAN_ZH.format(r="1014"), "选择全额退款；退款原因：defective。确认。", MGR_ZH],
        f"{yuan(t)} is over the 500.00 limit: the manager approves (rule: over threshold) and it "
        "goes back to card ****1190. The approver is printed on the voucher.",
        f"{yuan(t)} 超过 500.00 限额：需主管授权（原因：超过金额上限），之后原路返回银行卡 "
        "****1190。退款凭证上印有授权主管。"))

    sale = s["1016"]
    seeded = per_unit(_nets(sale)[1], sale["lines"][1]["qty"], 0, 2)
    left = _total(sale) - seeded
    out.append(_sc(
        "partly-refunded", "1016", "Already partly refunded: refund the rest",
        "已部分退款：退还剩余部分",
        [SCAN_EN.format(r="1016"), "Read the lines: sold, already refunded, refundable.",
         "Choose Full refund; reason: changed_mind. Confirm."],
        [SCAN_ZH.format(r="1016"), "查看各行：已售、已退、可退数量。",
         "选择全额退款；退款原因：changed_mind。确认。"],
        f"Line 2 (green tea) shows 2 of 6 already refunded ({yuan(seeded)}). The full refund "
        f"returns only what is left: {yuan(left)} to WeChat; the sale is then FULLY REFUNDED.",
        f"第 2 行（绿茶）显示 6 件中已退 2 件（{yuan(seeded)}）。全额退款只退剩余部分："
        f"{yuan(left)} 原路返回微信；之后该交易显示“已全额退款”。"))

    out.append(_sc(
        "fully-refunded", "1017", "A fully refunded sale: nothing left",
        "已全额退款的交易：无可退金额",
        [SCAN_EN.format(r="1017"), "Try Full refund, then Partial by amount 1.00."],
        [SCAN_ZH.format(r="1017"), "尝试全额退款，再尝试按金额部分退款 1.00。"],
        f"Badge FULLY REFUNDED; refundable {yuan(0)}. Both attempts are refused with the reason "
        "(everything was already refunded).",
        f"显示“已全额退款”；可退金额 {yuan(0)}。两次尝试都被拒绝并说明原因（已全部退款）。"))

    out.append(_sc(
        "reprint-voucher", "1017", "Reprint a lost refund voucher", "重打丢失的退款凭证",
        ["Open the Journal (today's refunds).",
         "Select the refund of receipt 1017 and press Reprint.",
         "Or scan receipt 1017 and open its refund from the sale."],
        ["打开退款日志（今天的退款）。", "选中小票 1017 的退款，按重打。",
         "或扫描小票 1017，从交易页面打开其退款。"],
        f"The voucher prints again for {yuan(_total(s['1017']))} with REPRINT and TRAINING; no "
        "money moves and the audit log records the reprint.",
        f"重打退款凭证（{yuan(_total(s['1017']))}），印有“重打”和 TRAINING（培训模式）；"
        "不会再退款，审计日志记录这次重打。"))

    t = _total(s["1019"])
    out.append(_sc(
        "find-without-receipt", "1019", "Find a sale without its receipt", "无小票查找交易",
        ["The customer lost the receipt; they paid by card ending 8837 on 18 November 2026.",
         "Open Find a sale (F-key in the Footer); card last 4: 8837.",
         "Narrow the date to 2026-11-18 and open the sale."],
        ["顾客小票丢失；用尾号 8837 的银行卡在 2026 年 11 月 18 日付款。",
         "打开查找交易（见底部 F 键）；卡号后四位：8837。",
         "把日期限定为 2026-11-18，打开该交易。"],
        f"Card 8837 alone lists 4 sales (1018, 1019, 1020, 1021); with the date only receipt "
        f"1019 remains: {yuan(t)}, till T02.",
        f"仅按 8837 查到 4 笔交易（1018、1019、1020、1021）；加上日期后只剩小票 1019："
        f"{yuan(t)}，收银台 T02。"))

    sale = s["1022"]
    adj = 5000
    c1, k1 = largest_remainder(adj, _paid(sale))
    c2, k2 = _paid(sale)[0] - c1, _paid(sale)[1] - k1
    out.append(_sc(
        "amount-then-full", "1022", "Price adjustment, then a full refund of the rest",
        "按金额部分退款（价格调整），再全额退款剩余部分",
        [SCAN_EN.format(r="1022"),
         f"Choose Partial by amount: {plain(adj)}; reason: price_adjustment. Confirm.",
         "Scan 1022 again; choose Full refund; reason: changed_mind. Confirm."],
        [SCAN_ZH.format(r="1022"),
         f"选择按金额部分退款：{plain(adj)}；退款原因：price_adjustment（价格调整）。确认。",
         "再次扫描 1022；选择全额退款；退款原因：changed_mind。确认。"],
        f"The adjustment {yuan(adj)} splits card ****6061 {yuan(c1)} + cash {yuan(k1)}. "
        f"The full refund then returns exactly what is left, {yuan(c2 + k2)}: card {yuan(c2)} + "
        f"cash {yuan(k2)}.",
        f"价格调整 {yuan(adj)} 分摊为：银行卡 ****6061 {yuan(c1)} + 现金 {yuan(k1)}。"
        f"之后全额退款正好退还剩余 {yuan(c2 + k2)}：银行卡 {yuan(c2)} + 现金 {yuan(k2)}。"))
    return out


def build_scenario_file(sales: list[dict]) -> dict:
    return {
        "demo_clock": DEMO_NOW.isoformat(),
        "timezone": "Asia/Shanghai",
        "store": STORE,
        "till": "T01",
        "currency": CURRENCY,
        "accounts": ACCOUNTS,
        "seed_refunds": SEED_REFUNDS,
        "gateway_script": GATEWAY_SCRIPT,
        "scenarios": build_scenarios(sales),
    }


def render() -> tuple[str, str]:
    """The exact text of demo_sales.jsonl and scenarios.json."""
    sales = build_sales()
    jsonl = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sales)
    scen = json.dumps(build_scenario_file(sales), ensure_ascii=False, indent=2) + "\n"
    return jsonl, scen


def main(argv: list[str]) -> int:
    jsonl, scen = render()
    if argv[1:] == ["--check"]:
        same = (SALES_FILE.read_text("utf-8") == jsonl
                and SCENARIOS_FILE.read_text("utf-8") == scen)
        print("up to date" if same else "out of date: run python data/make_demo_sales.py")
        return 0 if same else 1
    SALES_FILE.write_text(jsonl, "utf-8", newline="\n")
    SCENARIOS_FILE.write_text(scen, "utf-8", newline="\n")
    print(f"wrote {SALES_FILE.name} ({jsonl.count(chr(10))} sales) and {SCENARIOS_FILE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
