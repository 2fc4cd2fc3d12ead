"""Partial refund by amount (a price adjustment): not tied to lines, capped by the sale."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from cashier_tui.domain.views import RefundRequest, SaleView
from cashier_tui.i18n import N_, _
from cashier_tui.money import MoneyError, exponent, parse_amount

from .base import TillScreen
from .widgets import ErrorLine, Field, Note

AMOUNT_PROBLEMS = {  # MoneyError.code -> what the cashier is told
    "empty": N_("Type the amount to refund."),
    "negative": N_("An amount cannot be negative."),
    "decimals": N_("At most {n} decimals."),
    "zero": N_("The amount must be more than zero."),
    "too_large": N_("“{text}” is too large an amount."),
    "comma": N_("“{text}” has a comma: type the amount without commas, with a point before "
                "the cents (e.g. 7.99)."),
}


def amount_error(error: MoneyError, text: str, currency: str) -> str:
    """Why ``text`` is not an amount (as ``parse_amount`` found), in the UI language."""
    template = AMOUNT_PROBLEMS.get(error.code,
                                   N_("“{text}” is not an amount: type digits and at most one "
                                      "point."))
    return _(template).format(text=text.strip(), n=exponent(currency))


class AmountScreen(TillScreen):
    TITLE = N_("Partial refund: amount")
    CSS_PATH = "amount.tcss"
    BINDINGS = [
        Binding("enter", "next", N_("Continue"), id="amount.next"),
        Binding("escape", "back", N_("Back"), id="amount.back"),
    ]

    def __init__(self, sale: SaleView) -> None:
        super().__init__()
        self.sale = sale

    def body(self) -> Iterable[Widget]:
        cap = self.money(self.sale.refundable, self.sale.currency)
        with Vertical(id="amount-box"):
            yield Note(_("A price adjustment: an amount not tied to items. Up to {cap}.")
                       .format(cap=cap), classes="hint")
            yield Field(_("Amount to refund"),
                        Input(id="amount", max_length=20, placeholder="0.00"),
                        name="amount")

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#err-amount", ErrorLine).clear()

    def parsed(self) -> int | None:
        text = self.query_one("#amount", Input).value
        err = self.query_one("#err-amount", ErrorLine)
        try:
            minor = parse_amount(text, self.sale.currency)
        except MoneyError as exc:
            err.say(amount_error(exc, text, self.sale.currency))
            return None
        if minor > self.sale.refundable:
            err.say(_("That is more than the {cap} that can still be refunded.").format(
                cap=self.money(self.sale.refundable, self.sale.currency)))
            return None
        return minor

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in an input (after every key typed before it, even from a fast scanner)."""
        event.stop()
        self.action_next()

    def action_next(self) -> None:
        minor = self.parsed()
        if minor is None:
            self.query_one("#amount", Input).focus()
            return
        from .details import DetailsScreen

        request = RefundRequest(receipt_no=self.sale.receipt_no, kind="amount", amount=minor,
                                reason="price_adjustment")
        self.app.push_screen(DetailsScreen(self.sale, request))

    def action_back(self) -> None:
        self.dismiss()
