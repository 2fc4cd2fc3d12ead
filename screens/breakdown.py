"""The live breakdown of a quote: per line (with restock), per tender, total, approvals."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import DataTable

from cashier_tui.domain.views import Quote, QuoteLeg
from cashier_tui.i18n import _

from .tables import cell_width
from .texts import ACTIONS, METHODS, word


def leg_text(leg: QuoteLeg) -> str:
    """``Card ****4321 → refund`` / ``WeChat Pay → cash``."""
    method = word(METHODS, leg.method)
    if leg.masked:
        method = f"{method} {leg.masked}"
    action = word(ACTIONS, "cash" if leg.payout == "cash" else leg.action)
    return f"{method} → {action}"


class LinesTable(DataTable):
    """The lines a refund returns; space toggles whether each goes back on the shelf."""

    def setup(self, width: int) -> None:
        self.room = width
        self.amount_width = 0
        self._columns(10)

    def _columns(self, amount: int) -> None:
        """The columns, the amount as wide as its widest cell (never clipped, issue 16.1),
        the item's name taking what is left."""
        self.amount_width = amount = max(amount, Text(_("Amount")).cell_len)
        restock = max(3, Text(_("Restock")).cell_len)
        qty = max(3, Text(_("Qty")).cell_len)
        self.add_column(_("Item"), width=max(8, self.room - restock - qty - amount - 8),
                        key="name")
        self.add_column(_("Qty"), width=qty, key="qty")
        self.add_column(_("Amount"), width=amount, key="amount")
        self.add_column(_("Restock"), width=restock, key="restock")

    def show(self, quote: Quote, restock: Mapping[int, bool], money) -> None:
        keep = self.cursor_row
        amount = max([10, cell_width(_("Amount")),
                      *(cell_width(money(line.amount)) for line in quote.lines)])
        if amount != self.amount_width:
            self.clear(columns=True)
            self._columns(amount)
        self.clear()
        for line in quote.lines:
            self.add_row(
                Text(line.name, overflow="ellipsis", no_wrap=True), str(line.qty),
                Text(money(line.amount), justify="right"),
                Text("✓" if restock.get(line.line_id, True) else "✗", justify="center"),
                key=str(line.line_id),
            )
        if quote.lines and keep is not None:
            self.move_cursor(row=min(keep, len(quote.lines) - 1))

    def current_line_id(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key
        return int(key.value) if key.value is not None else None


def legs_text(quote: Quote, money) -> str:
    rows = [f"{leg_text(leg)}  {money(leg.amount)}" for leg in quote.legs]
    if quote.lines_amount and quote.lines_amount > quote.amount:
        rows.append(_("Items worth {worth}; capped at what the sale can still refund.")
                    .format(worth=money(quote.lines_amount)))
    rows.append(_("Total {amount}").format(amount=money(quote.amount)))
    return "\n".join(rows)
