"""One refund's status (a scanned refund voucher, or a row of the journal): what was
refunded, each leg's state in plain words, retry and reprint."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.binding import Binding
from textual.widget import Widget

from cashier_tui.domain.views import RefundView
from cashier_tui.i18n import N_, _, current_language

from .base import TillScreen
from .printing import PrintMixin
from .texts import (
    KINDS,
    LEG_STATES,
    METHODS,
    REASONS,
    STATUSES,
    VOID_STATES,
    all_void,
    leg_error_text,
    leg_method,
    when,
    word,
)
from .widgets import ErrorLine, Note


def leg_line(leg, money: Callable[[int], str]) -> str:
    payout = f" → {word(METHODS, 'cash')}" if leg.payout == "cash" else ""
    states = VOID_STATES if leg.action == "void" else LEG_STATES
    return f"{leg_method(leg)}{payout}  {money(leg.amount)}  {word(states, leg.state)}"


def legs_account(refund: RefundView, money: Callable[[int, str], str]) -> str:
    def m(minor: int) -> str:
        return money(minor, refund.currency)

    return "\n".join(leg_line(leg, m) for leg in refund.legs)


def next_steps(refund: RefundView, lang: str | None = None) -> str:
    """What happened and what to do next, in plain words of the UI language."""
    lang = lang or current_language()
    says = []
    for leg in refund.legs:
        method = word(METHODS, leg.method)
        if leg.error_code:
            says.append(leg_error_text(leg, lang))
        elif leg.state == "pending":
            says.append(_("{method} has not been sent yet.").format(method=method))
    if not says:
        return ""
    if any(leg.state == "failed" for leg in refund.legs):
        says.append(_("Press r to try again, or Esc and refund the rest in cash."))
    else:
        says.append(_("Press r to ask again: the same request is reused, so the customer is "
                      "never refunded twice."))
    return "\n".join(says)


class RefundScreen(PrintMixin, TillScreen):
    TITLE = N_("Refund")
    CSS_PATH = "refund.tcss"
    BINDINGS = [
        Binding("r", "retry", N_("Retry"), id="refund.retry"),
        Binding("p", "print", N_("Reprint"), id="refund.print"),
        Binding("escape", "back", N_("Back"), id="refund.back"),
    ]

    def __init__(self, refund: RefundView) -> None:
        super().__init__()
        self.refund = refund

    def body(self) -> Iterable[Widget]:
        yield Note("", id="refund-head")
        yield Note("", id="refund-legs")
        yield Note("", id="refund-next")
        yield ErrorLine(id="print-status", classes="notice")
        yield ErrorLine(id="error")

    def on_mount(self) -> None:
        self.draw()

    def draw(self) -> None:
        r = self.refund
        local = r.created_at.astimezone(self.app.clock.now().tzinfo)
        void = all_void(r.legs)
        title = _("Void {no}   {status}") if void else _("Refund {no}   {status}")
        head = [
            title.format(no=r.refund_no, status=word(STATUSES, r.status)),
            _("Receipt {receipt}   {time}").format(receipt=r.receipt_no, time=when(local)),
            "   ".join((_("Void") if void else word(KINDS, r.kind),
                        self.money(r.amount, r.currency))),
            _("Reason: {reason}").format(reason=word(REASONS, r.reason))
            + (f" · {r.reason_text}" if r.reason_text else ""),
            _("Cashier {cashier}").format(cashier=r.cashier)
            + ("   " + _("Approved by {manager}").format(manager=r.approver)
               if r.approver else ""),
        ]
        if r.training:
            head.append(_("Training refund: nothing real was paid."))
        self.query_one("#refund-head", Note).update("\n".join(head))
        lines = [f"  {ln.qty} × {ln.name}  {self.money(ln.amount, r.currency)}"
                 for ln in r.lines]
        self.query_one("#refund-legs", Note).update(
            "\n".join([*lines, "", legs_account(r, self.money)]) if lines
            else legs_account(r, self.money))
        self.query_one("#refund-next", Note).update(next_steps(r, self.lang))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return not self.refund.final or self.refund.status in ("failed", "partial")
        if action == "print":
            return None if self.printing else True
        return True

    def action_retry(self) -> None:
        self.show_error(None)
        self.call_till("retry", self.till.retry, self.refund.refund_no)

    def till_retry(self, refund: RefundView) -> None:
        self.refund = refund
        self.draw()
        self.refresh_bindings()

    def action_print(self) -> None:
        self.print_voucher(self.refund, reprint=self.refund.print_count > 0)

    def printed(self, refund: RefundView) -> None:
        self.refund = refund

    def action_back(self) -> None:
        self.dismiss()
