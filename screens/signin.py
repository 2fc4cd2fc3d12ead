"""Sign in (DESIGN.md §2, step 0): cashier id and PIN."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widget import Widget
from textual.widgets import Input

from cashier_tui.domain import errors
from cashier_tui.i18n import N_, _

from .base import TillScreen
from .texts import ROLES, error_text, locked_text, word
from .widgets import ChainedInput, ErrorLine, Field, HoldingInput, Note

if TYPE_CHECKING:  # annotations only: the views stay off the start path
    from cashier_tui.domain.views import CashierView


class SignInScreen(TillScreen):
    TITLE = N_("Sign in")
    CSS_PATH = "signin.tcss"
    BINDINGS = [
        Binding("enter", "submit", N_("Sign in"), id="signin.submit"),
        Binding("escape", "clear", N_("Clear"), id="signin.clear"),
        Binding("f8", "unlock", N_("Unlock account"), priority=True, id="signin.unlock"),
    ]

    def body(self) -> Iterable[Widget]:
        with Center(), Vertical(id="signin-box"):
            yield Note(_("Scan your badge or type your cashier id, then your PIN."),
                       classes="hint")
            yield Field(_("Cashier id"), ChainedInput(id="cashier-id", next_id="pin",
                                                      max_length=20), name="cashier")
            yield Field(_("PIN"), HoldingInput(id="pin", password=True, max_length=12),
                        name="pin")
            yield ErrorLine(id="error")
            yield ErrorLine(id="signin-status", classes="notice")
            accounts = self.demo_accounts()
            if accounts:
                yield Note(_("Training accounts:") + "\n" + accounts, id="demo-accounts")

    def demo_accounts(self) -> str:
        if not self.app.training:
            return ""
        try:
            from cashier_tui.demo_data import DemoData

            accounts = DemoData.load().accounts
        except Exception:  # no demo data: sign in as usual
            return ""
        return "\n".join(
            "  " + _("{id}  PIN {pin}  {name} ({role})").format(
                id=a["id"], pin=a["pin"], name=a.get("name", ""),
                role=word(ROLES, a.get("role")))
            for a in accounts
        )

    def on_mount(self) -> None:
        self.query_one("#cashier-id", Input).focus()

    def reset(self) -> None:
        self.query_one("#cashier-id", ChainedInput).reset_chain()
        self.query_one("#cashier-id", Input).value = ""
        self.query_one("#pin", Input).value = ""
        self._clear_errors()
        self.query_one("#cashier-id", Input).focus()

    def _clear_errors(self) -> None:
        for line in self.query(ErrorLine):
            line.clear()

    def action_clear(self) -> None:
        self.reset()

    def action_unlock(self) -> None:
        """F8: a manager unlocks an account (the id typed here, if any, is the one)."""
        from .unlock import UnlockModal

        def unlocked(result: tuple[str, bool] | None) -> None:
            if result is None:
                return
            cashier_id, was_locked = result
            self.reset()
            self.query_one("#cashier-id", Input).value = cashier_id
            self.query_one("#pin", Input).focus()
            self.query_one("#signin-status", ErrorLine).say(
                (_("{id} is unlocked: type the PIN to sign in.") if was_locked else
                 _("{id} was not locked: type the PIN to sign in.")).format(id=cashier_id))

        self.app.push_screen(UnlockModal(self.typed("#cashier-id").upper()), unlocked)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in an input (after every key typed before it, even from a fast scanner)."""
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        pin_box = self.query_one("#pin", Input)
        id_box = self.query_one("#cashier-id", ChainedInput)
        if self.focused is id_box:
            # A badge scan ends with Enter: on to the PIN, unless the PIN and its Enter were
            # typed ahead (ChainedInput passed them on).
            ahead = id_box.enter_ahead and bool(pin_box.value)
            self.set_focus(pin_box)
            if not ahead:
                return
        self._clear_errors()
        cashier_id = self.typed("#cashier-id").upper()
        pin = self.typed("#pin")
        if not cashier_id:
            pin_box.take_held()
            self.query_one("#err-cashier", ErrorLine).say(_("Type your cashier id."))
            self.query_one("#cashier-id", Input).focus()
            return
        if not pin:
            pin_box.take_held()
            self.query_one("#err-pin", ErrorLine).say(_("Type your PIN."))
            self.query_one("#pin", Input).focus()
            return
        self.call_till("sign_in", self.app.sign_in, cashier_id, pin)

    def till_sign_in(self, cashier: CashierView) -> None:
        pin = self.query_one("#pin", HoldingInput)
        pin.value = ""
        self.app.signed_in(cashier, typed_ahead=pin.take_held())

    def till_sign_in_failed(self, exc: BaseException) -> None:
        pin = self.query_one("#pin", HoldingInput)
        pin.value = ""
        pin.take_held()  # keys typed while the PIN was checked are not a second PIN
        if isinstance(exc, errors.UnknownCashier):
            self.query_one("#err-cashier", ErrorLine).say(error_text(exc, self.lang))
            self.query_one("#cashier-id", Input).focus()
        elif isinstance(exc, errors.AccountLocked):
            self.query_one("#err-pin", ErrorLine).say(
                locked_text(exc, self.app.clock.now().tzinfo))
            pin.focus()
        elif isinstance(exc, errors.AuthError):
            self.query_one("#err-pin", ErrorLine).say(error_text(exc, self.lang))
            pin.focus()
        else:
            self.show_error(error_text(exc, self.lang))
