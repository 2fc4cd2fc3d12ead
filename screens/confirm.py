"""Confirm (DESIGN.md §2, step 5): y / n. Escape and n answer no."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from cashier_tui.domain.views import Quote, SaleView
from cashier_tui.i18n import N_, _

from .base import TillModal
from .breakdown import leg_text
from .widgets import Keys, Note


class ConfirmModal(TillModal[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes, refund"), id="confirm.yes"),
        Binding("n", "answer(False)", N_("No"), id="confirm.no"),
        Binding("escape", "answer(False)", N_("Back"), show=False, id="confirm.back"),
    ]

    def __init__(self, sale: SaleView, quote: Quote) -> None:
        super().__init__()
        self.sale = sale
        self.quote = quote

    def compose(self) -> ComposeResult:
        q = self.quote
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="confirm"):
            yield Label(_("Refund {amount}?").format(amount=self.money(q.amount, q.currency)),
                        classes="dialog-title")
            yield Note(_("Receipt {receipt}").format(receipt=self.sale.receipt_no))
            yield Note("\n".join(f"{leg_text(leg)}  {self.money(leg.amount, q.currency)}"
                                 for leg in q.legs), id="confirm-legs")
            yield Note(_("Press y to refund, n to go back."), classes="hint")
        yield Keys(id="keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class AskModal(TillModal[bool]):
    """A plain yes/no question (y / n, Escape is no)."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="ask.yes"),
        Binding("n", "answer(False)", N_("No"), id="ask.no"),
        Binding("escape", "answer(False)", N_("Back"), show=False, id="ask.back"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="ask"):
            yield Note(self.question)
        yield Keys(id="keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
