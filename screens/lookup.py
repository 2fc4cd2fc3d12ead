"""Lookup (DESIGN.md §2, step 1): one focused input; a scan is the code typed plus Enter.

A receipt number opens the sale; a refund voucher's code opens that refund.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from cashier_tui.domain.views import RefundView, SaleView
from cashier_tui.i18n import N_, _

from .base import TillScreen
from .texts import error_text
from .widgets import ErrorLine, HoldingInput, Note

MAX_SCAN = 200  # a refund QR can be a URL; receipts are at most 40


class LookupScreen(TillScreen):
    TITLE = N_("Refund: scan the receipt")
    CSS_PATH = "lookup.tcss"
    BINDINGS = [
        Binding("enter", "lookup", N_("Look up"), id="lookup.submit"),
        Binding("escape", "clear", N_("Clear"), id="lookup.clear"),
    ]

    def body(self) -> Iterable[Widget]:
        with Vertical(id="lookup-box"):
            yield Note(_("Scan the receipt barcode or a refund voucher, or type its number "
                         "and press Enter."), classes="hint")
            # Its Enter holds the keys behind it until the lookup has answered (16.11).
            yield HoldingInput(id="code", max_length=MAX_SCAN,
                               placeholder=_("Receipt number or refund code"))
            yield ErrorLine(id="error")
            yield Note(_("No receipt? F3 finds the sale by date, amount or card."),
                       classes="hint", id="find-hint")

    def __init__(self, typed_ahead: str = "") -> None:
        super().__init__()
        self.typed_ahead = typed_ahead

    def on_mount(self) -> None:
        box = self.query_one("#code", Input)
        box.focus()
        # A scan made while the previous screen was busy: its code, and its Enter if any.
        code, enter, _rest = self.typed_ahead.partition("\n")
        self.typed_ahead = ""
        if code:
            box.value = code
            box.cursor_position = len(code)
            if enter:
                self.action_lookup()

    def on_screen_resume(self) -> None:
        self.query_one("#code", Input).focus()

    @property
    def holds_keys(self) -> bool:
        """While a lookup is out: the keys typed meanwhile are for what it opens."""
        return self.query_one("#code", HoldingInput).holding

    def answered(self) -> None:
        self.query_one("#code", HoldingInput).take_held()
        self.app.keys_free()

    def reset(self) -> None:
        self.query_one("#code", Input).value = ""
        self.show_error(None)
        self.query_one("#code", Input).focus()

    def action_clear(self) -> None:
        self.reset()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in an input (after every key typed before it, even from a fast scanner)."""
        event.stop()
        self.action_lookup()

    def action_lookup(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        if not code:
            self.answered()
            self.show_error(_("Scan or type a receipt number first."))
            return
        self.show_error(None)
        self.call_till("lookup", self.till.lookup, code)

    def till_lookup(self, found: SaleView | RefundView) -> None:
        self.query_one("#code", Input).value = ""
        if isinstance(found, SaleView):
            from .sale import SaleScreen

            self.app.push_screen(SaleScreen(found))
        else:
            from .refund import RefundScreen

            self.app.push_screen(RefundScreen(found))
        self.answered()  # after the push: the keys go to the screen it opened

    def till_lookup_failed(self, exc: BaseException) -> None:
        self.answered()
        code = self.query_one("#code", Input).value.strip()
        self.show_error(error_text(exc, self.lang, code=code))
        box = self.query_one("#code", Input)
        box.focus()
        box.select_all()  # the next scan replaces the code that missed (issue 16.5)
