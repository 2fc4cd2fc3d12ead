"""Find a sale without its receipt: date from/to, amount, card last 4 -> matches."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Input

from cashier_tui.domain.views import SaleView
from cashier_tui.i18n import N_, _
from cashier_tui.money import MoneyError, parse_amount

from .amount import amount_error
from .base import TillScreen
from .tables import column_widths, refill, table_room
from .texts import METHODS, when, word
from .widgets import ErrorLine, Field, Note

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FindSaleScreen(TillScreen):
    TITLE = N_("Find a sale without its receipt")
    CSS_PATH = "find.tcss"
    BINDINGS = [
        Binding("enter", "search", N_("Search / open"), id="find.search"),
        Binding("escape", "back", N_("Back"), id="find.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sales: list[SaleView] = []

    def body(self) -> Iterable[Widget]:
        with Horizontal(id="find-form"):
            yield Field(_("Date from"), Input(id="date_from", placeholder="YYYY-MM-DD",
                                              max_length=10),
                        name="date_from")
            yield Field(_("Date to"), Input(id="date_to", placeholder="YYYY-MM-DD",
                                            max_length=10),
                        name="date_to")
            yield Field(_("Amount"), Input(id="amount", max_length=16), name="amount")
            yield Field(_("Card last 4"), Input(id="last4", max_length=4), name="last4")
        yield Note(_("Fill in what you know and press Enter."), id="find-hint",
                   classes="hint")
        table = DataTable(id="matches", cursor_type="row", zebra_stripes=True)
        table.border_title = _("Matches")
        yield table
        yield ErrorLine(id="error")

    def on_mount(self) -> None:
        self.lay_out()
        self.query_one("#date_from", Input).focus()

    def on_resize(self) -> None:
        if self.is_mounted:
            self.lay_out()

    def row(self, s: SaleView) -> list[object]:
        """Receipt, time, total, how it was paid and, apart, a status said before the
        cashier opens it (never in place of the payments, 16.12)."""
        methods = ", ".join(dict.fromkeys(word(METHODS, t.method) for t in s.tenders))
        status = _("VOIDED") if s.voided else _("FULLY REFUNDED") if s.fully_refunded else ""
        return [s.receipt_no, when(s.sold_at.astimezone(self.app.clock.now().tzinfo)),
                Text(self.money(s.total, s.currency), justify="right"),
                Text(methods, overflow="ellipsis", no_wrap=True),
                Text(status, style="bold red")]

    def lay_out(self) -> None:
        table = self.query_one("#matches", DataTable)
        cells = [self.row(s) for s in self.sales]
        labels = [_("Receipt"), _("Sold"), _("Total"), _("Paid by"), _("Status")]
        widths = column_widths(labels, cells)
        room = table_room(table, self.size.width, len(labels))
        widths[3] = max(8, room - sum(widths) + widths[3])
        refill(table, list(zip(labels, widths, strict=True)),
               [(row, s.receipt_no) for row, s in zip(cells, self.sales, strict=True)])

    def value(self, name: str) -> str:
        return self.typed(f"#{name}")

    def criteria(self) -> dict[str, object] | None:
        errors: dict[str, str] = {}
        found: dict[str, object] = {}
        for name in ("date_from", "date_to"):
            text = self.value(name)
            if not text:
                continue
            try:
                if not DATE_RE.match(text):
                    raise ValueError(text)
                found[name] = date.fromisoformat(text)
            except ValueError:
                errors[name] = _("Type a date as YYYY-MM-DD.")
        if text := self.value("amount"):
            try:
                found["amount"] = parse_amount(text, self.app.currency)
            except MoneyError as exc:
                errors["amount"] = amount_error(exc, text, self.app.currency)
        if text := self.value("last4"):
            if len(text) == 4 and text.isdigit():
                found["card_last4"] = text
            else:
                errors["last4"] = _("Type the card's last 4 digits.")
        for name in ("date_from", "date_to", "amount", "last4"):
            self.query_one(f"#err-{name}", ErrorLine).say(errors.get(name))
        if errors:
            self.query_one(f"#{next(iter(errors))}", Input).focus()
            return None
        if not found:
            self.show_error(_("Fill in at least one: a date, the amount or the card's last "
                              "4 digits."))
            return None
        return found

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in an input (after every key typed before it, even from a fast scanner)."""
        event.stop()
        self.action_search()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_selected()

    def action_search(self) -> None:
        table = self.query_one("#matches", DataTable)
        if table.has_focus and self.sales:
            self.open_selected()
            return
        self.show_error(None)
        criteria = self.criteria()
        if criteria is not None:
            self.call_till("find", self.till.find_sales, **criteria)

    def till_find(self, sales: list[SaleView]) -> None:
        self.sales = sales
        table = self.query_one("#matches", DataTable)
        self.lay_out()
        if sales:
            table.focus()
            self.query_one("#find-hint", Note).update(
                _("{n} sales match. Enter opens one.").format(n=len(sales)))
        else:
            self.query_one("#find-hint", Note).update(_("Fill in what you know and press "
                                                        "Enter."))
            self.show_error(_("No sale matches. Widen the dates, or check the amount."))

    def open_selected(self) -> None:
        table = self.query_one("#matches", DataTable)
        if not self.sales or table.cursor_row is None:
            return
        from .sale import SaleScreen

        self.app.push_screen(SaleScreen(self.sales[min(table.cursor_row,
                                                       len(self.sales) - 1)]))

    def action_back(self) -> None:
        self.dismiss()
