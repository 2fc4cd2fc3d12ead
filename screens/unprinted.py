"""Vouchers never printed (issue 17.9): offered once a cashier signs in.

A till that stopped between a refund and its voucher (a crash, the printer off, the cashier
gone on) owes the customer that paper. After sign-in the app asks the Till for this till's
unprinted vouchers; this dialog lists them and prints them one after the other (p), or
leaves them for later (Escape: the journal still has them, and the next sign-in asks again).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from cashier_tui.domain.views import RefundView
from cashier_tui.i18n import N_, _

from .base import TillModal
from .printing import PrintMixin
from .widgets import ErrorLine, Keys, Note

SHOWN = 6  # lines of refunds listed; the rest are counted


class UnprintedModal(PrintMixin, TillModal[None]):
    BINDINGS = [
        Binding("p", "print_all", N_("Print them"), id="unprinted.print"),
        Binding("escape", "later", N_("Later"), id="unprinted.later"),
    ]

    def __init__(self, refunds: list[RefundView]) -> None:
        super().__init__()
        self.pending = list(refunds)
        self.advanced = False  # the last print came out and was recorded

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="unprinted"):
            yield Label(_("Vouchers not printed"), classes="dialog-title")
            yield Note(_("These refunds are done, but their voucher never came out of the "
                         "printer:"))
            yield Note(self.listing(), id="unprinted-list")
            yield Note(_("Press p to print them now, Escape for later (the journal has "
                         "them too)."), classes="hint")
            yield ErrorLine(id="print-status", classes="notice")
            yield ErrorLine(id="error")
        yield Keys(id="keys")

    def listing(self) -> str:
        tz = self.app.clock.now().tzinfo
        lines = [f"{r.created_at.astimezone(tz):%m-%d %H:%M}  {r.refund_no}  "
                 f"{self.money(r.amount, r.currency)}" for r in self.pending[:SHOWN]]
        if len(self.pending) > SHOWN:
            lines.append(_("… and {n} more").format(n=len(self.pending) - SHOWN))
        return "\n".join(lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "print_all":
            return None if self.printing or not self.pending else True
        return True

    def action_print_all(self) -> None:
        if self.pending and not self.printing:
            self.print_voucher(self.pending[0], reprint=False)

    def printed(self, refund: RefundView) -> None:
        """One voucher finished (read back from the till): off the list when recorded."""
        self.advanced = bool(refund.printed and self.pending
                             and self.pending[0].refund_no == refund.refund_no)
        if self.advanced:
            self.pending.pop(0)

    def after_print(self) -> None:
        """On to the next while the printer takes them; a failure stops (p tries again)."""
        self.query_one("#unprinted-list", Note).update(self.listing())
        if not self.pending:
            self.app.notify(_("Every voucher that was not printed is printed now."))
            self.dismiss(None)
        elif self.advanced:
            self.action_print_all()

    def action_later(self) -> None:
        self.dismiss(None)
