"""Voucher and receipt strings in English and Simplified Chinese (glossary: DESIGN.md §9).

A small table for now; the gettext catalogs of the screens will take these over later.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Refund voucher",
        "reprint": "REPRINT",
        "training": "TRAINING - NOT A REFUND",
        "refund_no": "Refund no",
        "receipt_no": "Receipt",
        "date": "Date",
        "cashier": "Cashier",
        "approver": "Manager approval",
        "items": "Items refunded",
        "amount_only": "Refund by amount",
        "total": "Refund total",
        "paid_back": "Paid back",
        "reason": "Reason",
        "note": "Note",
        "scan": "Scan to check this refund",
        "customer_copy": "Customer copy",
        "merchant_copy": "Merchant copy",
        "signature": "Customer signature",
        "keep": "Keep this voucher with your receipt.",
        "state_pending": "pending",
        "state_failed": "failed",
        "void": "void",
        "method_card": "Card",
        "method_wechat": "WeChat Pay",
        "method_alipay": "Alipay",
        "method_unionpay_qr": "UnionPay QR",
        "method_cash": "Cash",
        "reason_defective": "Defective",
        "reason_wrong_item": "Wrong item",
        "reason_not_as_described": "Not as described",
        "reason_changed_mind": "Changed mind",
        "reason_price_adjustment": "Price adjustment",
        "reason_duplicate_charge": "Duplicate charge",
        "reason_transaction_error": "Transaction error",
        "reason_other": "Other",
        "test_title": "Printer test",
        "test_body": "If you can read this, the till can print.",
        "test_cjk": "Chinese text:",
        "receipt_title": "Sales receipt",
        "receipt_total": "Total",
        "receipt_scan": "Scan at the till to refund",
        "voided": "VOIDED",
    },
    "zh": {
        "title": "退款凭证",
        "reprint": "重打",
        "training": "培训模式 - 非真实退款",
        "refund_no": "退款单号",
        "receipt_no": "原小票",
        "date": "日期",
        "cashier": "收银员",
        "approver": "主管授权",
        "items": "退货商品",
        "amount_only": "按金额退款",
        "total": "退款合计",
        "paid_back": "退款方式",
        "reason": "退款原因",
        "note": "备注",
        "scan": "扫码查询退款",
        "customer_copy": "顾客联",
        "merchant_copy": "商户联",
        "signature": "顾客签名",
        "keep": "请与原小票一起保存本凭证。",
        "state_pending": "处理中",
        "state_failed": "失败",
        "void": "撤销",
        "method_card": "银行卡",
        "method_wechat": "微信支付",
        "method_alipay": "支付宝",
        "method_unionpay_qr": "云闪付",
        "method_cash": "现金",
        "reason_defective": "商品质量问题",
        "reason_wrong_item": "商品错发",
        "reason_not_as_described": "与描述不符",
        "reason_changed_mind": "不想要了",
        "reason_price_adjustment": "价格调整",
        "reason_duplicate_charge": "重复扣款",
        "reason_transaction_error": "交易错误",
        "reason_other": "其他",
        "test_title": "打印测试",
        "test_body": "能看到这行字，说明打印机工作正常。",
        "test_cjk": "中文:",
        "receipt_title": "购物小票",
        "receipt_total": "合计",
        "receipt_scan": "退款时请在收银台扫码",
        "voided": "已撤销",
    },
}

LANGS = tuple(STRINGS)


def t(lang: str, key: str) -> str:
    """The string ``key`` in ``lang`` (English when the language is unknown)."""
    table = STRINGS.get(lang, STRINGS["en"])
    return table.get(key) or STRINGS["en"][key]


def method_label(lang: str, method: str) -> str:
    key = f"method_{method}"
    return t(lang, key) if key in STRINGS["en"] else method


def reason_label(lang: str, reason: str) -> str:
    key = f"reason_{reason}"
    return t(lang, key) if key in STRINGS["en"] else reason
