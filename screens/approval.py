"""Manager approval (DESIGN.md §2, step 4): manager id + PIN, and the rules that asked.

Escape never commits: it dismisses with ``None`` and the details screen says so.
:class:`ManagerModal` is the part every manager check shares (the unlock dialog too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label

from cashier_tui.domain import errors
from cashier_tui.domain.views import Approval, Quote, SaleView
from cashier_tui.i18n import N_, _

from .base import TillModal
from .texts import all_void, error_text, locked_text, rule_text
from .widgets import ChainedInput, ErrorLine, Field, HoldingInput, Keys, Note

ResultT = TypeVar("ResultT")


class ManagerModal(TillModal[ResultT]):
    """A dialog a manager's id and PIN answer; ``approve`` (in a worker) checks them."""

    CSS_PATH = "approval.tcss"
    BINDINGS = [
        Binding("enter", "approve", N_("Approve"), id="approval.approve"),
        Binding("escape", "cancel", N_("Cancel"), id="approval.cancel"),
    ]

    def manager_fields(self) -> Iterable[Widget]:
        yield Field(_("Manager id"), ChainedInput(id="manager-id", next_id="manager-pin",
                                                  max_length=20), name="manager")
        # The id box hands keys typed ahead (a badge scan, then the PIN) to a HoldingInput.
        yield Field(_("Manager PIN"), HoldingInput(id="manager-pin", password=True,
                                                   max_length=12), name="manager_pin")
        yield ErrorLine(id="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in an input (after every key typed before it, even from a fast scanner)."""
        event.stop()
        self.action_approve()

    def ready(self) -> bool:
        """Hook: whether the dialog's own fields are filled in (else it says what is not)."""
        return True

    def action_approve(self) -> None:
        pin_box = self.query_one("#manager-pin", HoldingInput)
        id_box = self.query_one("#manager-id", ChainedInput)
        if self.focused is id_box:
            ahead = id_box.enter_ahead and bool(pin_box.value)
            self.set_focus(pin_box)
            if not ahead:
                return
        for line in self.query(ErrorLine):
            line.clear()
        if not self.ready():
            pin_box.take_held()
            return
        manager = self.typed("#manager-id").upper()
        pin = self.typed("#manager-pin")
        if not manager:
            pin_box.take_held()
            self.query_one("#err-manager", ErrorLine).say(_("Type the manager's id."))
            self.query_one("#manager-id", Input).focus()
            return
        if not pin:
            pin_box.take_held()
            self.query_one("#err-manager_pin", ErrorLine).say(_("Type the manager's PIN."))
            self.query_one("#manager-pin", Input).focus()
            return
        self.call_till("approve", self.approve, Approval(manager_id=manager, pin=pin))

    def approve(self, approval: Approval) -> Any:
        raise NotImplementedError

    def till_approve_failed(self, exc: BaseException) -> None:
        pin = self.query_one("#manager-pin", HoldingInput)
        pin.value = ""
        pin.take_held()  # keys typed while the PIN was checked are not a second PIN
        if isinstance(exc, errors.UnknownCashier | errors.NotAManager | errors.SelfApproval):
            self.query_one("#err-manager", ErrorLine).say(error_text(exc, self.lang))
            self.query_one("#manager-id", Input).focus()
        elif isinstance(exc, errors.AccountLocked):
            self.query_one("#err-manager_pin", ErrorLine).say(
                locked_text(exc, self.app.clock.now().tzinfo))
            pin.focus()
        elif isinstance(exc, errors.AuthError):
            self.query_one("#err-manager_pin", ErrorLine).say(error_text(exc, self.lang))
            pin.focus()
        else:
            self.show_error(error_text(exc, self.lang))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ApprovalModal(ManagerModal[Approval | None]):
    def __init__(self, sale: SaleView, quote: Quote) -> None:
        super().__init__()
        self.sale = sale
        self.quote = quote

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="approval"):
            yield Label(_("Manager approval"), classes="dialog-title")
            asks = (_("This void of {amount} needs a manager because:")
                    if all_void(self.quote.legs) else
                    _("This refund of {amount} needs a manager because:"))
            yield Note(asks.format(amount=self.money(self.quote.amount, self.quote.currency)))
            yield Note("\n".join(f"• {self.rule(r)}" for r in self.quote.approvals),
                       id="rules")
            yield from self.manager_fields()
        yield Keys(id="keys")

    def rule(self, code: str) -> str:
        policy = self.till.policy
        return rule_text(code, days=self.sale.age_days, window=self.sale.window_days,
                         threshold=self.money(policy.approval_threshold, self.sale.currency))

    def on_mount(self) -> None:
        self.query_one("#manager-id", Input).focus()

    def approve(self, approval: Approval) -> Approval:
        cashier = self.app.cashier.cashier_id if self.app.cashier else None
        self.till.check_approval(approval, self.quote.approvals, cashier_id=cashier)
        return approval

    def till_approve(self, approval: Approval) -> None:
        self.dismiss(approval)
