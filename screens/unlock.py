"""Unlock an account (issue 16.7): a manager lifts a lockout from the sign-in screen.

The locked account's id, then a manager's id and PIN (counted like any approval); the
till records who unlocked whom. Escape leaves everything as it was.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from cashier_tui.domain import errors
from cashier_tui.domain.views import Approval
from cashier_tui.i18n import N_, _

from .approval import ManagerModal
from .widgets import ErrorLine, Field, Keys, Note


class UnlockModal(ManagerModal[tuple[str, bool] | None]):
    """Dismisses with (the account's id, whether it was locked), or None."""

    BINDINGS = [
        Binding("enter", "approve", N_("Unlock"), id="unlock.unlock"),
        Binding("escape", "cancel", N_("Cancel"), id="unlock.cancel"),
    ]

    def __init__(self, cashier_id: str = "") -> None:
        super().__init__()
        self.cashier_id = cashier_id
        self.target = ""  # the id being unlocked, as typed when Enter was pressed

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="unlock"):
            yield Label(_("Unlock an account"), classes="dialog-title")
            yield Note(_("A manager unlocks an account locked by wrong PINs."))
            yield Field(_("Locked id"), Input(self.cashier_id, id="locked-id",
                                              max_length=20), name="locked")
            yield from self.manager_fields()
        yield Keys(id="keys")

    def on_mount(self) -> None:
        self.query_one("#manager-id" if self.cashier_id else "#locked-id", Input).focus()

    def ready(self) -> bool:
        if self.focused is self.query_one("#locked-id", Input):
            self.query_one("#manager-id", Input).focus()
            return False
        if not self.typed("#locked-id"):
            self.query_one("#err-locked", ErrorLine).say(_("Type the id of the locked "
                                                           "account."))
            self.query_one("#locked-id", Input).focus()
            return False
        self.target = self.typed("#locked-id").upper()
        return True

    def approve(self, approval: Approval) -> tuple[str, bool]:
        return self.target, self.till.unlock(self.target, approval)

    def till_approve(self, result: tuple[str, bool]) -> None:
        self.dismiss(result)

    def till_approve_failed(self, exc: BaseException) -> None:
        target = self.target
        if (isinstance(exc, errors.UnknownCashier) and exc.params.get("cashier_id") == target
                and target != self.typed("#manager-id").upper()):
            self.query_one("#manager-pin", Input).value = ""
            self.query_one("#err-locked", ErrorLine).say(
                _("No account has the id {id}.").format(id=target))
            self.query_one("#locked-id", Input).focus()
            return
        super().till_approve_failed(exc)
