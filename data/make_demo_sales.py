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
    # "printed": the customer took the voucher home, so printing it again is a reprint
    {"receipt_no": "1016", "kind": "items", "items": [{"line_no": 2, "qty": 2}],
     "reason": "changed_mind", "printed": True},
    {"receipt_no": "1017", "kind": "full", "items": [], "reason": "defective", "printed": True},
]

GATEWAY_SCRIPT = {
    "AUTH-TIMEOUT-01": "timeout_then_success",
    "AUTH-DECLINE-01": "decline_once",
    "WX-SLOW-01": "slow",
}


def seeded_refund_no(index: int) -> str:
    """The refund number the demo gives the seeded refund ``index`` (from 1): R-till-yymmdd-n."""
    return f"R-T01-{DEMO_NOW:%y%m%d}-{index:04d}"


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
    assert len(steps_en) == len(steps_zh), sid
    return {"id": sid, "title_en": title_en, "title_zh": title_zh, "receipt_no": receipt,
            "steps_en": steps_en, "steps_zh": steps_zh,
            "expect_en": expect_en, "expect_zh": expect_zh}


# --- what the trainee reads: the keys of each screen, by the words the screens show ------------
# The English words are the screens' own (their BINDINGS and labels); the Chinese ones are
# their translations in cashier_tui/locale/zh. tests/test_demo_scenarios.py holds both to the
# app, and drives every scenario with exactly these keys.

UI_ZH = {
    "Full refund": "全额退款", "By items": "按商品", "By amount": "按金额",
    "Continue": "继续", "Yes, refund": "确认退款", "Retry": "重试", "Print": "打印",
    "Reprint": "重打", "New refund": "新退款", "Journal": "流水", "Find sale": "查找小票",
    "Pay back": "退款方式", "Cash from the drawer": "钱箱付现金", "Reason": "退款原因",
    "Card last 4": "卡号后4位", "Date from": "起始日期", "Date to": "截止日期",
    "Defective": "质量问题", "Wrong item": "商品错误", "Not as described": "与描述不符",
    "Changed mind": "顾客改变主意", "Price adjustment": "价格调整",
    "Transaction error": "交易错误", "Other (say why)": "其他（请说明）",
    "OUTSIDE WINDOW ({n} days)": "超出退款期（{n} 天）", "VOIDED": "已撤销",
    "FULLY REFUNDED": "已全额退款", "TRAINING - NOT A REFUND": "培训模式 - 非真实退款",
    "REPRINT": "重打",
}
REASON_LABELS = {
    "defective": "Defective", "wrong_item": "Wrong item", "not_as_described": "Not as described",
    "changed_mind": "Changed mind", "price_adjustment": "Price adjustment",
    "transaction_error": "Transaction error", "other": "Other (say why)",
}


def zh(word: str) -> str:
    return UI_ZH[word]


def yuan_en(minor: int) -> str:
    """As the English till shows it: 129900 -> "CN¥1,299.00"."""
    return "CN" + yuan(minor)


def badge(n: int) -> tuple[str, str]:
    return (f"OUTSIDE WINDOW ({n} days)", zh("OUTSIDE WINDOW ({n} days)").format(n=n))


def scan(r: str) -> tuple[str, str]:
    return (f"Scan receipt {r}, or type {r} and press Enter.",
            f"扫描小票 {r}，或输入 {r} 后按 Enter。")


def reason(code: str) -> tuple[str, str]:
    label = REASON_LABELS[code]
    return (f"Reason: press Space to open the list, ↓ to {label}, Enter.",
            f"退款原因：按空格键打开列表，用 ↓ 选“{zh(label)}”，按 Enter。")


def items(line_no: int, name: str, qty: int, name_zh: str | None = None) -> tuple[str, str]:
    """Partial by items: the cursor starts on line 1; ↓ moves down, digits type the qty."""
    name_zh = name_zh or name
    if line_no == 1:
        return (f"Press i (By items). The cursor is on line 1 ({name}): type {qty}, then "
                "press Enter.",
                f"按 i（按商品）。光标在第 1 行（{name_zh}）：输入 {qty}，按 Enter。")
    downs = "↓" if line_no == 2 else f"↓ {line_no - 1} times"
    downs_zh = "↓" if line_no == 2 else f"↓ {line_no - 1} 次"
    return (f"Press i (By items). Press {downs} to line {line_no} ({name}), type {qty}, then "
            "press Enter.",
            f"按 i（按商品）。按 {downs_zh} 到第 {line_no} 行（{name_zh}），输入 {qty}，按 Enter。")


FULL = ("Press f (Full refund).", "按 f（全额退款）。")
GO = ("Press Enter (Continue), then y (Yes, refund).", "按 Enter（继续），再按 y（确认退款）。")
ENTER = ("Press Enter (Continue).", "按 Enter（继续）。")
MGR = ("The approval box opens: type M1, Enter, then the PIN 9999, Enter. Then press y "
       "(Yes, refund).",
       "弹出主管授权框：输入 M1 按 Enter，再输入密码 9999 按 Enter。然后按 y（确认退款）。")
CASH = ("Press Shift+Tab to Pay back, Space, ↓ to Cash from the drawer, Enter: the cursor "
        "moves on to Reason.",
        "按 Shift+Tab 到“退款方式”，按空格键，用 ↓ 选“钱箱付现金”，按 Enter，光标随即移到"
        "“退款原因”。")


def join(*parts: tuple[str, str]) -> tuple[str, str]:
    return " ".join(p[0] for p in parts), "".join(p[1] for p in parts)


def steps(*parts: tuple[str, str]) -> tuple[list[str], list[str]]:
    return [p[0] for p in parts], [p[1] for p in parts]


def add(out: list[dict], sid: str, receipt: str, title: tuple[str, str],
        steps_: tuple[list[str], list[str]], expect: tuple[str, str]) -> None:
    out.append(_sc(sid, receipt, title[0], title[1], steps_[0], steps_[1], expect[0], expect[1]))


def build_scenarios(sales: list[dict]) -> list[dict]:
    s = {r: _sale(sales, r) for r in (
        "1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1012", "1013",
        "1014", "1015", "1016", "1017", "1019", "1022", "1010", "1011")}
    out: list[dict] = []

    # full refund to card
    t = _total(s["1001"])
    add(out, "full-card", "1001", ("Full refund to the card", "全额退款，原路返回银行卡"),
        steps(scan("1001"), join(FULL, reason("defective")), GO,
              ("Press p (Print) for the customer's voucher.", "按 p（打印）给顾客打印退款凭证。")),
        (f"{yuan_en(t)} goes back to card ****4321. p prints the voucher (customer and merchant "
         "copy), marked TRAINING - NOT A REFUND.",
         f"{yuan(t)} 原路返回银行卡 ****4321。按 p 打印退款凭证（顾客联和商户联），"
         f"印有“{zh('TRAINING - NOT A REFUND')}”。"))

    # partial refund of a discounted line (3 units for 100.00)
    line = s["1002"]["lines"][0]
    n, net = line["qty"], _nets(s["1002"])[0]
    one, rest = per_unit(net, n, 0, 1), per_unit(net, n, 1, n)
    add(out, "partial-discounted-line", "1002",
        ("Partial refund of a discounted line", "部分退款：打折商品行"),
        steps(scan("1002"), items(1, f"{line['name']}, {n} for {yuan_en(net)}", 1,
                                  f"{line['name']}，{n} 件共 {yuan(net)}"),
              join(reason("changed_mind"), GO),
              ("Later the other 2: press n (New refund), scan 1002 again, press i, type 2 on "
               "line 1, Enter, and refund them the same way.",
               "之后再退另外 2 件：按 n（新退款），再次扫描 1002，按 i，在第 1 行输入 2，按 Enter，"
               "按同样步骤退款。")),
        (f"The first unit refunds {yuan_en(one)} to Alipay. {n} units for {yuan_en(net)} do not "
         f"divide evenly: one unit is {yuan_en(one)}, the other two {yuan_en(rest)}, together "
         f"exactly {yuan_en(net)}.",
         f"第 1 件退 {yuan(one)}，原路返回支付宝。{n} 件共 {yuan(net)} 无法平均分：一件 "
         f"{yuan(one)}，另外两件 {yuan(rest)}，合计正好 {yuan(net)}。"))

    # split tender back to card and wallet
    sale = s["1003"]
    amt = per_unit(_nets(sale)[1], sale["lines"][1]["qty"], 0, 1)
    c, w = largest_remainder(amt, _paid(sale))
    add(out, "split-card-wallet", "1003",
        ("Split tender: back to card and WeChat", "组合支付：原路返回银行卡和微信"),
        steps(scan("1003"), items(2, sale["lines"][1]["name"], 1),
              join(reason("defective"),
                   ("Read the breakdown on the right: one line per payment.",
                    "看右侧的分摊明细：每种支付方式一行。")), GO),
        (f"{yuan_en(amt)} is split in proportion to what each payment can still refund (card "
         f"{yuan_en(_paid(sale)[0])}, WeChat Pay {yuan_en(_paid(sale)[1])}): card ****5512 "
         f"{yuan_en(c)}, WeChat Pay {yuan_en(w)}.",
         f"{yuan(amt)} 按各支付方式可退金额比例分摊（银行卡 {yuan(_paid(sale)[0])}，微信支付 "
         f"{yuan(_paid(sale)[1])}）：银行卡 ****5512 {yuan(c)}，微信支付 {yuan(w)}。"))

    # three tenders with odd cents
    sale = s["1004"]
    amt = per_unit(_nets(sale)[1], sale["lines"][1]["qty"], 0, 1)
    c, a, k = largest_remainder(amt, _paid(sale))
    p_en = " / ".join(yuan_en(p) for p in _paid(sale))
    p_zh = "/".join(yuan(p) for p in _paid(sale))
    add(out, "three-tenders", "1004", ("Three tenders with odd cents", "三种支付方式，金额带零头"),
        steps(scan("1004"), items(2, sale["lines"][1]["name"], 1), reason("wrong_item"), GO),
        (f"{yuan_en(amt)} over card / Alipay / cash (paid {p_en}): card ****6620 {yuan_en(c)}, "
         f"Alipay {yuan_en(a)}, cash {yuan_en(k)}. The tie between card and Alipay goes to the "
         f"earlier payment (card). The till says: give the customer {yuan_en(k)} from the "
         "drawer (in training the drawer stays shut).",
         f"{yuan(amt)} 分摊到银行卡/支付宝/现金（原付 {p_zh}）：银行卡 ****6620 {yuan(c)}，"
         f"支付宝 {yuan(a)}，现金 {yuan(k)}。零头相同时归前一种支付方式（银行卡）。收银台提示："
         f"从钱箱取 {yuan(k)} 交给顾客（培训模式下钱箱不会打开）。"))

    # cash refund of a card sale
    t = _total(s["1005"])
    add(out, "cash-for-card", "1005",
        ("Cash refund of a card sale (manager approval)", "银行卡消费改退现金（需主管授权）"),
        steps(scan("1005"), join(FULL, CASH), join(reason("changed_mind"), ENTER), MGR),
        ("The approval box names the rule: cash back for a sale not paid in cash. After "
         f"approval the till says: give the customer {yuan_en(t)} from the drawer. The card "
         "(****7093) can refund nothing more.",
         "主管授权框写明原因：非现金支付的交易退现金。授权后收银台提示：从钱箱取 "
         f"{yuan(t)} 交给顾客。该银行卡 (****7093) 不能再退款。"))

    # last days inside the window
    sale = s["1008"]
    add(out, "inside-window", "1008",
        ("29 days old: still inside the window", "29 天前的小票：仍在退款期内"),
        steps(scan("1008"), join(FULL, reason("not_as_described")), GO),
        (f"Sold {_age(sale)} days ago: no OUTSIDE WINDOW badge and no manager needed. "
         f"{yuan_en(_total(sale))} goes back to UnionPay QR.",
         f"{_age(sale)} 天前售出：没有“超出退款期”标记，不需要主管授权。"
         f"{yuan(_total(sale))} 原路返回云闪付。"))

    # just outside the window
    sale = s["1006"]
    b_en, b_zh = badge(_age(sale))
    add(out, "outside-window", "1006",
        ("Refund outside the 30-day window", "超出 30 天退款期的退款"),
        steps(scan("1006"),
              ("Read the badge under the header and the line under the totals.",
               "看小票信息下方的标记和合计下方的说明。"),
              join(FULL, reason("defective"), ENTER), MGR),
        (f"Sold {_age(sale)} days ago: badge {b_en}, one day past the 30-day window. The "
         f"manager approves (rule: outside the window); {yuan_en(_total(sale))} goes back to "
         "card ****2048.",
         f"{_age(sale)} 天前售出：显示“{b_zh}”，比 30 天退款期多 1 天。需主管授权"
         f"（原因：超出退款期）；{yuan(_total(sale))} 原路返回银行卡 ****2048。"))

    sale = s["1007"]
    b_en, b_zh = badge(_age(sale))
    choc = per_unit(_nets(sale)[1], sale["lines"][1]["qty"], 0, 1)
    add(out, "outside-window-45", "1007",
        ("45 days old: well outside the window", "45 天前的小票：远超退款期"),
        steps(scan("1007"), items(2, sale["lines"][1]["name"], 1),
              join(reason("other"), ("Type the reason in words: customer goodwill. Press "
                                     "Enter.", "输入原因说明：顾客关怀，按 Enter。")),
              MGR),
        (f"Badge {b_en}; even a small refund needs the manager. {yuan_en(choc)} goes back to "
         "WeChat Pay.",
         f"显示“{b_zh}”；金额再小也需主管授权。{yuan(choc)} 原路返回微信支付。"))

    sale = s["1015"]
    b_en, b_zh = badge(_age(sale))
    add(out, "older-than-a-year", "1015",
        ("Older than 365 days: cash only", "超过 365 天的小票：只能退现金"),
        steps(scan("1015"),
              join(FULL, ("Pay back already says Cash from the drawer.",
                          "“退款方式”已是“钱箱付现金”。")),
              join(reason("defective"), ENTER), MGR),
        (f"Sold {_age(sale)} days ago (badge {b_en}). Past 365 days no provider takes a refund, "
         "so only cash is offered; it was a cash sale anyway. After approval the till says: "
         f"give the customer {yuan_en(_total(sale))} from the drawer.",
         f"{_age(sale)} 天前售出（显示“{b_zh}”）。超过 365 天无法原路返回，只能退现金"
         f"（本单原本就是现金支付）。主管授权后收银台提示：从钱箱取 {yuan(_total(sale))} "
         "交给顾客。"))

    add(out, "voided-sale", "1009",
        ("A voided sale: nothing to refund", "已撤销的交易：无可退金额"),
        steps(scan("1009"), ("Press f (Full refund): the key is greyed out and nothing happens.",
                             "按 f（全额退款）：该键为灰色，不起作用。")),
        ("Badge VOIDED, and under the totals: This sale was voided: there is nothing to "
         "refund. f, i and a are greyed out; no refund is made.",
         f"显示“{zh('VOIDED')}”，合计下方写明：该交易已撤销：没有可退的款项。f、i、a 键均为灰色，"
         "不会产生退款。"))

    t = _total(s["1010"])
    add(out, "decline-then-retry", "1010",
        ("Card refund declined, then retried", "银行卡退款被拒，然后重试"),
        steps(scan("1010"), join(FULL, reason("defective")), GO,
              ("The card declines: read the message, then press r (Retry).",
               "银行卡拒绝退款：阅读提示后按 r（重试）。")),
        ("The first attempt is declined and the till says so plainly, with what to do next. "
         f"r sends the same request again: {yuan_en(t)} back to card ****3306. One refund in "
         "the journal (F5), not two.",
         "第一次被拒，收银台清楚地提示原因和下一步。按 r 重新发送同一请求："
         f"{yuan(t)} 原路返回银行卡 ****3306。流水（F5）里只有一笔退款，而不是两笔。"))

    t = _total(s["1011"])
    add(out, "timeout-then-retry", "1011",
        ("Card refund times out; a retry settles it", "银行卡退款超时；重试后完成"),
        steps(scan("1011"), join(FULL, reason("wrong_item")), GO,
              ("No answer (timeout): do not start a new refund, press r (Retry).",
               "没有应答（超时）：不要重新发起退款，按 r（重试）。")),
        ("The till shows the timeout and keeps the refund pending; r asks again with the same "
         f"idempotency key and it settles: {yuan_en(t)} to card ****9174, paid exactly once.",
         "收银台显示超时，退款保持处理中；按 r 使用同一幂等键再次查询，随即完成："
         f"{yuan(t)} 原路返回银行卡 ****9174，只退一次。"))

    t = _total(s["1012"])
    add(out, "slow-provider", "1012", ("A slow wallet provider", "微信支付响应缓慢"),
        steps(scan("1012"), join(FULL, reason("changed_mind")), GO,
              ("Wait while it works: the steps tick off one by one. Do not press anything "
               "twice.", "处理中请等待：各步骤依次打勾。不要重复按键。")),
        ("The processing screen shows its steps (Sending to the provider …) for a few seconds "
         f"and keys that would leave are greyed out; then {yuan_en(t)} is back on WeChat Pay.",
         "处理页面显示各步骤（发送至支付机构 …）几秒钟，离开页面的按键为灰色；随后 "
         f"{yuan(t)} 原路返回微信支付。"))

    t = _total(s["1013"])
    add(out, "unsettled-void", "1013",
        ("Today's card sale not yet settled: a void", "今天未结算的银行卡交易：撤销"),
        steps(scan("1013"),
              join(FULL, reason("transaction_error"),
                   ("The breakdown says Void, not Refund.", "分摊明细显示“撤销”而不是“退款”。")),
              GO),
        (f"The card payment is not settled yet, so the whole {yuan_en(t)} is voided, not "
         "refunded: the breakdown says Card ****5820 → Void and the voucher says (void).",
         f"该银行卡交易尚未结算，{yuan(t)} 全额撤销而不是退款：分摊明细显示"
         "“银行卡 ****5820 → 撤销”，退款凭证上标明（撤销）。"))

    t = _total(s["1014"])
    add(out, "over-threshold", "1014",
        ("A refund over 500.00 needs a manager", "超过 500.00 的退款需主管授权"),
        steps(scan("1014"), join(FULL, reason("defective"), ENTER), MGR,
              ("Press p (Print): the voucher names the manager.",
               "按 p（打印）：退款凭证上印有授权主管。")),
        (f"{yuan_en(t)} is over the {yuan_en(50000)} limit: the manager approves (rule: over "
         "the limit) and it goes back to card ****1190. The voucher says Manager approval: M1.",
         f"{yuan(t)} 超过 {yuan(50000)} 限额：需主管授权（原因：超过金额上限），之后原路返回"
         "银行卡 ****1190。退款凭证上印有“主管授权：M1”。"))

    sale = s["1016"]
    tea = sale["lines"][1]
    seeded = per_unit(_nets(sale)[1], tea["qty"], 0, 2)
    left = _total(sale) - seeded
    add(out, "partly-refunded", "1016",
        ("Already partly refunded: refund the rest", "已部分退款：退还剩余部分"),
        steps(scan("1016"),
              (f"Read line 2 ({tea['name']}): Sold {tea['qty']}, Refunded 2, Left "
               f"{tea['qty'] - 2}.",
               f"看第 2 行（{tea['name']}）：已售 {tea['qty']}，已退 2，可退 {tea['qty'] - 2}。"),
              join(FULL, reason("changed_mind")), GO),
        (f"Line 2 shows 2 of {tea['qty']} already refunded ({yuan_en(seeded)}). The full refund "
         f"returns only what is left: {yuan_en(left)} to WeChat Pay. Scanned again, the sale "
         "says FULLY REFUNDED.",
         f"第 2 行显示 {tea['qty']} 件中已退 2 件（{yuan(seeded)}）。全额退款只退剩余部分："
         f"{yuan(left)} 原路返回微信支付。再次扫描，该交易显示“{zh('FULLY REFUNDED')}”。"))

    add(out, "fully-refunded", "1017",
        ("A fully refunded sale: nothing left", "已全额退款的交易：无可退金额"),
        steps(scan("1017"), ("Press f (Full refund), then a (By amount): both keys are greyed "
                             "out.", "按 f（全额退款），再按 a（按金额）：两个键都是灰色的。")),
        (f"Badge FULLY REFUNDED; Can refund {yuan_en(0)}. f, i and a are greyed out and the "
         "till says why: Everything on this sale has already been refunded.",
         f"显示“{zh('FULLY REFUNDED')}”；可退 {yuan(0)}。f、i、a 键均为灰色，收银台说明原因："
         "该小票已全部退款。"))

    no = seeded_refund_no(2)
    t = _total(s["1017"])
    add(out, "reprint-voucher", "1017", ("Reprint a lost refund voucher", "重打丢失的退款凭证"),
        steps(("Press F5 (Journal).", "按 F5（流水）。"),
              (f"Move with ↑/↓ to refund {no} ({yuan_en(t)}) and press p (Reprint).",
               f"用 ↑/↓ 移到退款单 {no}（{yuan(t)}），按 p（重打）。"),
              (f"Or type {no} on the lookup screen, Enter, then p (Reprint).",
               f"也可以在查询页面输入 {no}，按 Enter，再按 p（重打）。")),
        (f"The voucher of receipt 1017 prints again for {yuan_en(t)}, marked REPRINT and "
         "TRAINING - NOT A REFUND; no money moves and the audit log records the reprint.",
         f"小票 1017 的退款凭证（{yuan(t)}）重新打印，印有“{zh('REPRINT')}”和"
         f"“{zh('TRAINING - NOT A REFUND')}”；不会再退款，审计日志记录这次重打。"))

    t = _total(s["1019"])
    add(out, "find-without-receipt", "1019", ("Find a sale without its receipt", "无小票查找交易"),
        steps(("The customer lost the receipt; they paid by card ending 8837 on 18 November "
               "2026.", "顾客小票丢失；用尾号 8837 的银行卡在 2026 年 11 月 18 日付款。"),
              ("Press F3 (Find sale). Press Tab 3 times to Card last 4, type 8837, press Enter.",
               "按 F3（查找小票）。按 Tab 3 次到“卡号后4位”，输入 8837，按 Enter。"),
              ("Press Shift+Tab 4 times to Date from, type 2026-11-18; Tab, type 2026-11-18 in "
               "Date to; press Enter, then Enter again to open the sale.",
               "按 Shift+Tab 4 次到“起始日期”，输入 2026-11-18；按 Tab，在“截止日期”输入 "
               "2026-11-18；按 Enter，再按 Enter 打开该交易。")),
        ("Card 8837 alone lists 4 sales (1018, 1019, 1020, 1021); with the date only receipt "
         f"1019 remains: {yuan_en(t)}, till T02.",
         "仅按 8837 查到 4 笔交易（1018、1019、1020、1021）；加上日期后只剩小票 1019："
         f"{yuan(t)}，收银台 T02。"))

    sale = s["1022"]
    adj = 5000
    c1, k1 = largest_remainder(adj, _paid(sale))
    c2, k2 = _paid(sale)[0] - c1, _paid(sale)[1] - k1
    add(out, "amount-then-full", "1022",
        ("Price adjustment, then a full refund of the rest",
         "按金额部分退款（价格调整），再全额退款剩余部分"),
        steps(scan("1022"),
              (f"Press a (By amount), type {plain(adj)}, Enter. The reason is already Price "
               "adjustment: press Enter (Continue), then y (Yes, refund).",
               f"按 a（按金额），输入 {plain(adj)}，按 Enter。退款原因已是“价格调整”："
               "按 Enter（继续），再按 y（确认退款）。"),
              join(("Press n (New refund), scan 1022 again, press f (Full refund).",
                    "按 n（新退款），再次扫描 1022，按 f（全额退款）。"),
                   reason("changed_mind"), GO)),
        (f"The adjustment {yuan_en(adj)} splits card ****6061 {yuan_en(c1)} + cash "
         f"{yuan_en(k1)}. The full refund then returns exactly what is left, "
         f"{yuan_en(c2 + k2)}: card {yuan_en(c2)} + cash {yuan_en(k2)}.",
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
