"""The journal (DESIGN.md §2, step 7): today's refunds with their status; open one, retry
its pending or failed legs, reprint its voucher."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable

from cashier_tui.domain.views import RefundView
from cashier_tui.i18n import N_, _, ngettext

from .base import TillScreen
from .printing import PrintMixin
from .tables import column_widths, refill, table_room
from .texts import METHODS, STATUSES, void_of, word
from .widgets import ErrorLine, Note

NEEDS_RETRY = ("pending", "failed", "partial")


class JournalScreen(PrintMixin, TillScreen):
    TITLE = N_("Journal: today's refunds")
    CSS_PATH = "journal.tcss"
    BINDINGS = [
        Binding("enter", "open", N_("Open"), id="journal.open"),
        Binding("r", "retry", N_("Retry"), id="journal.retry"),
        Binding("p", "reprint", N_("Reprint"), id="journal.reprint"),
        Binding("escape", "back", N_("Back"), id="journal.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.refunds: list[RefundView] = []

    def body(self) -> Iterable[Widget]:
        table = DataTable(id="journal", cursor_type="row", zebra_stripes=True)
        table.border_title = _("Refunds")
        yield table
        yield Note("", id="journal-count")
        yield ErrorLine(id="print-status", classes="notice")
        yield ErrorLine(id="error")

    def on_mount(self) -> None:
        self.lay_out()
        self.query_one("#journal", DataTable).focus()
        self.load()

    def on_resize(self) -> None:
        if self.is_mounted:
            self.lay_out()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.call_till("journal", self.till.journal)

    def row(self, r: RefundView) -> list[object]:
        methods = ", ".join(dict.fromkeys(
            void_of(word(METHODS, leg.method)) if leg.action == "void"
            else word(METHODS, leg.payout) for leg in r.legs))
        status = Text(word(STATUSES, r.status),
                      style="bold red" if r.status in NEEDS_RETRY else "")
        return [r.created_at.astimezone(self.app.clock.now().tzinfo).strftime("%H:%M"),
                r.refund_no, r.receipt_no, Text(self.money(r.amount, r.currency),
                                                justify="right"),
                Text(methods, overflow="ellipsis", no_wrap=True), status]

    def lay_out(self) -> None:
        """Every column whole; the methods take the room left, the receipt when it fits."""
        table = self.query_one("#journal", DataTable)
        cells = [self.row(r) for r in self.refunds]
        labels = [_("Time"), _("Refund"), _("Receipt"), _("Amount"), _("Method"), _("Status")]
        widths = column_widths(labels, cells)
        methods = max(widths[4], 10)
        room = table_room(table, self.size.width, len(labels) - 1)
        fixed = sum(widths) - widths[2] - widths[4]
        wide = room - fixed - widths[2] - 2 >= methods
        keep = [i for i in range(len(labels)) if wide or i != 2]
        widths[4] = max(methods if not cells else 8,
                        room - fixed - (widths[2] + 2 if wide else 0))
        refill(table, [(labels[i], widths[i]) for i in keep],
               [([row[i] for i in keep], r.refund_no)
                for row, r in zip(cells, self.refunds, strict=True)])

    def till_journal(self, refunds: list[RefundView]) -> None:
        self.refunds = refunds
        self.lay_out()
        waiting = sum(1 for r in refunds if r.status in NEEDS_RETRY)
        text = ngettext("{n} refund today.", "{n} refunds today.", len(refunds)).format(
            n=len(refunds)) if refunds else _(
            "No refunds today yet.")
        if waiting:
            text += " " + _("{n} need a retry (R).").format(n=waiting)
        self.query_one("#journal-count", Note).update(text)
        self.refresh_bindings()

    def selected(self) -> RefundView | None:
        table = self.query_one("#journal", DataTable)
        if not self.refunds or table.cursor_row is None:
            return None
        return self.refunds[min(table.cursor_row, len(self.refunds) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "retry", "reprint"):
            refund = self.selected()
            if refund is None:
                return None
            if action == "retry":
                return refund.status in NEEDS_RETRY or None
            if action == "reprint":
                return None if self.printing else True
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        refund = self.selected()
        if refund is not None:
            from .refund import RefundScreen

            self.app.push_screen(RefundScreen(refund))

    def action_retry(self) -> None:
        refund = self.selected()
        if refund is not None and refund.status in NEEDS_RETRY:
            self.show_error(None)
            self.call_till("retry", self.till.retry, refund.refund_no)

    def till_retry(self, refund: RefundView) -> None:
        self.load()

    def action_reprint(self) -> None:
        refund = self.selected()
        if refund is not None:
            self.print_voucher(refund, reprint=refund.print_count > 0)

    def after_print(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()
