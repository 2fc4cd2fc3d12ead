"""How the screens word codes: errors, problems, approval rules, methods, reasons, states.

The services speak in codes with parameters (``TillError.code``, ``Problem.code``, rule
codes); each UI language words them here. A code this table does not know falls back to the
service's own English message, so a new code is never shown as a bare identifier.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from cashier_tui.domain.errors import AccountLocked, TillError
from cashier_tui.i18n import N_, _, ngettext

if TYPE_CHECKING:  # annotations only: the views stay off the start path
    from cashier_tui.domain.views import Problem

log = logging.getLogger(__name__)

METHODS = {
    "card": N_("Card"), "wechat": N_("WeChat Pay"), "alipay": N_("Alipay"),
    "unionpay_qr": N_("UnionPay QR"), "cash": N_("Cash"), "original": N_("Original route"),
}
REASONS = {
    "defective": N_("Defective"), "wrong_item": N_("Wrong item"),
    "not_as_described": N_("Not as described"), "changed_mind": N_("Changed mind"),
    "price_adjustment": N_("Price adjustment"), "duplicate_charge": N_("Duplicate charge"),
    "transaction_error": N_("Transaction error"), "other": N_("Other (say why)"),
}
STATUSES = {
    "pending": N_("Pending"), "completed": N_("Completed"), "partial": N_("Partly done"),
    "failed": N_("Failed"),
}
LEG_STATES = {
    "pending": N_("Waiting to send"), "sent": N_("Sent"), "unknown": N_("No answer yet"),
    "succeeded": N_("Refunded"), "failed": N_("Declined"),
}
# A void leg's states: a void is never "Refunded" (DESIGN.md §5, issue 16.6).
VOID_STATES = {**LEG_STATES, "succeeded": N_("Voided"), "failed": N_("Void declined")}
ROLES = {"cashier": N_("cashier"), "manager": N_("manager")}
ACTIONS = {"refund": N_("Refund"), "void": N_("Void"), "cash": N_("Cash")}
KINDS = {"full": N_("Full refund"), "items": N_("Partial refund (items)"),
         "amount": N_("Partial refund (amount)")}
STEPS = {
    "saving": N_("Saving the refund"), "sending": N_("Sending to the provider"),
    "waiting": N_("Waiting for the provider"), "recording": N_("Recording the result"),
    "done": N_("Done"),
}

# Why a refund leg is not done (LegView.error_code), with the leg's method as {method}.
LEG_ERRORS = {
    "declined": N_("{method} declined the refund."),
    "timeout": N_("{method} has not answered yet (timeout)."),
}

# Keys that Textual's own widgets show in the key rows (words of the KeyBar go through _()).
TEXTUAL_KEYS = (N_("Dismiss menu"),)

ERRORS = {
    "not_a_receipt": N_("“{code}” is not a receipt number or a refund code."),
    "sale_not_found": N_("No sale with receipt number {code}. Check it, or find the sale "
                         "with F3."),
    "refund_not_found": N_("No refund matches this code."),
    "invalid_refund_code": N_("This refund code is not valid: it was altered, or it is not "
                              "from this store."),
    "unknown_cashier": N_("Wrong id or PIN. Check both and try again."),
    "not_manager": N_("This person is not a manager and cannot approve refunds."),
    "self_approval": N_("A manager cannot approve their own refund: ask another manager."),
    "store_unavailable": N_("The database is busy or cannot be reached. Nothing was changed: "
                            "try again in a moment."),
    "outcome_unknown": N_("Lost contact with the database while saving: the refund may "
                          "have been saved; checking. Do not refund it again."),
    "result_not_recorded": N_("The payment provider answered (it may have refunded) but the "
                              "till could not record it. Do not refund again: the till "
                              "settles it when the database is back; R asks again now."),
    "no_such_cashier": N_("This cashier is not on the staff list, so no refund was made. "
                          "Sign in again."),
    "disk_full": N_("The disk is full, so nothing was changed. Free some space on the till "
                    "(or call support), then try again."),
    "conflict": N_("The sale changed meanwhile, so nothing was changed. Look the sale up "
                   "again."),
    "gateway": N_("The payment provider could not be reached: {message}"),
    "approval_required": N_("A manager must approve this refund."),
}

PROBLEMS = {
    "voided": N_("This sale was voided: there is nothing to refund."),
    "nothing_left": N_("Everything on this sale has already been refunded."),
    "empty": N_("Choose at least one item to refund."),
    "unknown_line": N_("This line is not on the sale."),
    "qty_invalid": N_("Type a whole number of items."),
    "qty_over": N_("Only {max} of this item can still be refunded."),
    "amount_zero": N_("There is no money to refund: type an amount above zero."),
    "amount_over": N_("At most {max} can still be refunded."),
    "reason_required": N_("Choose a reason."),
    "reason_text_required": N_("Say why in a few words (reason: other)."),
    "card_number": N_("This looks like a full card number: write at most its last 4 digits."),
    "kind_invalid": N_("Choose a full refund, items or an amount."),
    "payout_invalid": N_("Choose how the money goes back."),
    "too_old_for_gateway": N_("Sold {age_days} days ago: the provider refuses refunds after "
                              "{max_days} days. Pay back in cash, with a manager's approval."),
    "retry_needs_approval": N_("Refund {refund_no} was not retried: with the sale's other "
                               "refunds of today it is over the amount a manager must "
                               "approve, and it has no approval. Leave it (Esc) and start a "
                               "new refund for what is left, with a manager."),
}
MONEY_PARAMS = {"amount_over": ("max",)}


def all_void(legs) -> bool:
    """Whether every leg of a refund (or quote) is a void: it is then called a void."""
    return bool(legs) and all(leg.action == "void" for leg in legs)


def leg_method(leg) -> str:
    """``Card ****4321``, ``Card ****4321 (void)`` for a void, the way the voucher says it."""
    method = word(METHODS, leg.method) + (f" {leg.masked}" if leg.masked else "")
    return void_of(method) if leg.action == "void" else method


def void_of(method: str) -> str:
    return _("{method} (void)").format(method=method)


def word(table: Mapping[str, str], code: str | None) -> str:
    """Translate a code from one of the tables above; unknown codes are shown as they are."""
    if not code:
        return ""
    text = table.get(code)
    return _(text) if text else code


def _fill(template: str, params: Mapping[str, object], fallback: str) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return fallback


def problem_text(problem: Problem, currency: str | None = None, lang: str = "en") -> str:
    template = PROBLEMS.get(problem.code)
    if template is None:
        return problem.message
    params = dict(problem.params)
    if currency:
        from cashier_tui.money import format_money

        for key in MONEY_PARAMS.get(problem.code, ()):
            if isinstance(params.get(key), int):
                params[key] = format_money(params[key], currency, lang)
    return _fill(_(template), params, problem.message)


def error_text(exc: BaseException, lang: str = "en", **context: object) -> str:
    """A sentence a cashier can act on, for any exception a service call raised.

    ``context`` fills what the error's own params leave out (the code that was scanned)."""
    from cashier_tui.domain import errors

    if isinstance(exc, errors.WrongPin):
        return ngettext("Wrong PIN. {n} try left before the account locks.",
                        "Wrong PIN. {n} tries left before the account locks.",
                        exc.remaining).format(n=exc.remaining)
    if isinstance(exc, errors.AccountLocked):
        return locked_text(exc)
    if isinstance(exc, errors.RefundRejected):
        currency = context.get("currency")
        return " ".join(problem_text(p, str(currency) if currency else None, lang)
                        for p in exc.problems)
    if isinstance(exc, TillError):
        template = ERRORS.get(exc.code)
        if template is None:
            return exc.message
        return _fill(_(template), {"message": exc.message, **context, **exc.params},
                     exc.message)
    log.exception("unexpected error in a till call", exc_info=exc)
    return _("Something went wrong ({kind}). Nothing was lost; try again, or call "
             "support.").format(kind=type(exc).__name__)


def locked_text(exc: AccountLocked, tz: tzinfo | None = None) -> str:
    """Until when an account is locked, and who can unlock it: a manager is not told to ask
    a manager (issue 16.7)."""
    until = when(exc.until.astimezone(tz) if tz else exc.until, with_date=False)
    if getattr(exc, "role", "cashier") == "manager":
        return _("This account is locked until {time}. Wait, or ask another manager to "
                 "unlock it.").format(time=until)
    return _("This account is locked until {time}. Wait, or ask a manager to unlock "
             "it.").format(time=until)


def in_language(text: str, lang: str) -> bool:
    """Whether a provider's own text reads in the UI language: Han characters for Chinese,
    none for English. (The simulated provider speaks English; a real one may not.)"""
    han = any("\u3400" <= ch <= "\u9fff" for ch in text)
    return han if lang == "zh" else not han


def leg_error_text(leg, lang: str = "en") -> str:
    """Why a leg is not refunded, in the UI language: worded from its error code, with the
    provider's own reason when that is in the same language (never English on a Chinese
    screen). Empty for a leg without a problem."""
    method = word(METHODS, leg.method)
    code = getattr(leg, "error_code", None)
    if code == "declined" and leg.error and in_language(leg.error, lang):
        return _("{method} declined the refund: {why}").format(method=method, why=leg.error)
    template = LEG_ERRORS.get(code or "")
    if template is not None:
        return _(template).format(method=method)
    return leg.error if leg.error and in_language(leg.error, lang) else ""


def rule_text(rule: str, *, days: int = 0, window: int = 0, threshold: str = "") -> str:
    if rule == "over_threshold":
        return _("The refund is over {threshold}.").format(threshold=threshold)
    if rule == "outside_window":
        return _("Sold {days} days ago, outside the {window}-day refund window.").format(
            days=days, window=window)
    if rule == "cash_for_non_cash":
        return _("Cash back for a sale not paid in cash.")
    return rule


def when(moment: datetime, *, with_date: bool = True) -> str:
    """Times as a till shows them: the same digits in every language."""
    return moment.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")
