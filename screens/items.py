"""Partial refund by items: move through the lines, type a quantity or press + / -."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable

from cashier_tui.domain.views import LineView, Quote, RefundRequest, SaleView
from cashier_tui.i18n import N_, _, ngettext

from .base import TillScreen
from .widgets import ErrorLine, Note

DIGIT_BINDINGS = [
    Binding(str(d), f"digit({d})", N_("Type quantity"), show=(d == 0), key_display="0-9",
            id=f"items.digit{d}")
    for d in range(10)
]


class ItemsScreen(TillScreen):
    TITLE = N_("Partial refund: choose items")
    CSS_PATH = "items.tcss"
    BINDINGS = [
        Binding("plus,equals_sign", "more", N_("One more"), key_display="+",
                id="items.more"),
        Binding("minus", "less", N_("One less"), key_display="-", id="items.less"),
        *DIGIT_BINDINGS,
        Binding("enter", "next", N_("Continue"), id="items.next"),
        Binding("escape", "back", N_("Back"), id="items.back"),
    ]

    def __init__(self, sale: SaleView, chosen: dict[int, int] | None = None) -> None:
        super().__init__()
        self.sale = sale
        self.chosen: dict[int, int] = dict(chosen or {})
        self._typed = ""  # digits typed on the current row
        self._typed_row: int | None = None

    def body(self) -> Iterable[Widget]:
        yield Note(_("Arrows move through the items; type a quantity, or press + and -."),
                   classes="hint")
        table = DataTable(id="items", cursor_type="row")
        table.border_title = _("Items")
        yield table
        yield ErrorLine(id="err-items", classes="field-error")
        yield Note("", id="items-total")

    def on_mount(self) -> None:
        table = self.query_one("#items", DataTable)
        name_width = max(12, self.size.width - 44)
        table.add_column(_("Item"), width=name_width, key="name")
        table.add_column(_("Left"), width=6, key="left")
        table.add_column(_("Refund"), width=8, key="qty")
        table.add_column(_("Amount"), width=12, key="net")
        for line in self.lines():
            table.add_row(Text(line.name, overflow="ellipsis", no_wrap=True),
                          str(line.refundable_qty), self._qty_cell(line),
                          Text(self.money(line.net, self.sale.currency), justify="right"),
                          key=str(line.line_id))
        table.focus()
        self.requote()

    def lines(self) -> list[LineView]:
        return [line for line in self.sale.lines if line.refundable_qty > 0]

    def _qty_cell(self, line: LineView) -> Text:
        qty = self.chosen.get(line.line_id, 0)
        return Text(str(qty) if qty else "·", justify="right",
                    style="bold reverse" if qty else "dim")

    def current(self) -> LineView | None:
        table = self.query_one("#items", DataTable)
        lines = self.lines()
        if not lines or table.cursor_row is None or table.cursor_row >= len(lines):
            return None
        return lines[table.cursor_row]

    def set_qty(self, line: LineView, qty: int) -> None:
        err = self.query_one("#err-items", ErrorLine)
        if qty > line.refundable_qty:
            err.say(_("Only {n} of “{name}” can still be refunded.").format(
                n=line.refundable_qty, name=line.name))
            return
        err.clear()
        if qty <= 0:
            self.chosen.pop(line.line_id, None)
        else:
            self.chosen[line.line_id] = qty
        table = self.query_one("#items", DataTable)
        table.update_cell(str(line.line_id), "qty", self._qty_cell(line))
        self.requote()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._typed = ""

    def action_digit(self, digit: int) -> None:
        line = self.current()
        if line is None:
            return
        self._typed = (self._typed + str(digit)).lstrip("0")[-4:]
        self.set_qty(line, int(self._typed or "0"))
        if int(self._typed or "0") > line.refundable_qty:
            self._typed = ""

    def action_more(self) -> None:
        line = self.current()
        if line is not None:
            self._typed = ""
            self.set_qty(line, self.chosen.get(line.line_id, 0) + 1)

    def action_less(self) -> None:
        line = self.current()
        if line is not None:
            self._typed = ""
            self.set_qty(line, self.chosen.get(line.line_id, 0) - 1)

    def request(self) -> RefundRequest:
        return RefundRequest(receipt_no=self.sale.receipt_no, kind="items",
                             items=dict(self.chosen))

    def requote(self) -> None:
        total = self.query_one("#items-total", Note)
        if not self.chosen:
            total.update(_("Nothing chosen yet."))
            return
        self.call_till("quote", self.till.quote, self.request())

    def till_quote(self, quote: Quote) -> None:
        count = sum(self.chosen.values())
        self.query_one("#items-total", Note).update(
            ngettext("{count} item, refund {amount}", "{count} items, refund {amount}",
                     count).format(
                count=count, amount=self.money(quote.amount, quote.currency)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_next()

    def action_next(self) -> None:
        if not self.chosen:
            self.query_one("#err-items", ErrorLine).say(_("Choose at least one item to "
                                                          "refund."))
            return
        from .details import DetailsScreen

        self.app.push_screen(DetailsScreen(self.sale, self.request()))

    def action_back(self) -> None:
        self.dismiss()
