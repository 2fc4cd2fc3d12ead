"""Voucher and receipt strings in English and Simplified Chinese (glossary: DESIGN.md §9).

The words live in the app's gettext catalogs (``cashier_tui/locale``, domain
``cashier_tui``), marked here with ``N_`` so ``pybabel extract ... printers`` finds them.
Unlike the screens, which follow the one UI language of the process, a voucher is printed
in the language asked for on each call (``t(lang, key)``), so each language's catalog is
opened on its own. Only gettext and :mod:`cashier_tui.i18n` (UI-free) are imported: no
Textual in printers.

Where a voucher says what a screen says (payment methods, reasons, "Total") it uses the
same msgid, so paper and screen use the same words.
"""

from __future__ import annotations

import gettext
from functools import cache

from cashier_tui.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR, N_

MESSAGES: dict[str, str] = {
    "title": N_("Refund voucher"),
    "reprint": N_("REPRINT"),
    "training": N_("TRAINING - NOT A REFUND"),
    "refund_no": N_("Refund no"),
    "receipt_no": N_("Receipt"),
    "date": N_("Date"),
    "cashier": N_("Cashier"),
    "approver": N_("Manager approval"),
    "items": N_("Items refunded"),
    "amount_only": N_("Refund by amount"),
    "total": N_("Refund total"),
    "paid_back": N_("Paid back"),
    "reason": N_("Reason"),
    "note": N_("Note"),
    "scan": N_("Scan to check this refund"),
    "customer_copy": N_("Customer copy"),
    "merchant_copy": N_("Merchant copy"),
    "signature": N_("Customer signature"),
    "keep": N_("Keep this voucher with your receipt."),
    "state_pending": N_("pending"),
    "state_failed": N_("failed"),
    "void": N_("void"),
    "method_card": N_("Card"),
    "method_wechat": N_("WeChat Pay"),
    "method_alipay": N_("Alipay"),
    "method_unionpay_qr": N_("UnionPay QR"),
    "method_cash": N_("Cash"),
    "reason_defective": N_("Defective"),
    "reason_wrong_item": N_("Wrong item"),
    "reason_not_as_described": N_("Not as described"),
    "reason_changed_mind": N_("Changed mind"),
    "reason_price_adjustment": N_("Price adjustment"),
    "reason_duplicate_charge": N_("Duplicate charge"),
    "reason_transaction_error": N_("Transaction error"),
    "reason_other": N_("Other"),
    "test_title": N_("Printer test"),
    "test_body": N_("If you can read this, the till can print."),
    "test_cjk": N_("Chinese text:"),
    "receipt_title": N_("Sales receipt"),
    "receipt_total": N_("Total"),
    "receipt_scan": N_("Scan at the till to refund"),
    "voided": N_("VOIDED"),
    # a cash payout standing in for a tender: "Cash for Card ****4321"
    "cash_for": N_("{cash} for {tender}"),
}

LANGS = LANGUAGES


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English, the msgids themselves, when unknown)."""
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR),
                               languages=[lang if lang in LANGUAGES else DEFAULT_LANGUAGE],
                               fallback=True)


def t(lang: str, key: str) -> str:
    """The string ``key`` in ``lang`` (English when the language is unknown)."""
    return catalog(lang).gettext(MESSAGES[key])


class _Table(dict):
    """``STRINGS[lang][key]``: the older table form, read from the catalogs (kept for
    callers of the former en/zh table; new code calls :func:`t`)."""

    def __missing__(self, lang: str) -> dict[str, str]:
        table = {key: t(lang, key) for key in MESSAGES}
        self[lang] = table
        return table


STRINGS: dict[str, dict[str, str]] = _Table()


def method_label(lang: str, method: str) -> str:
    key = f"method_{method}"
    return t(lang, key) if key in MESSAGES else method


def reason_label(lang: str, reason: str) -> str:
    key = f"reason_{reason}"
    return t(lang, key) if key in MESSAGES else reason
