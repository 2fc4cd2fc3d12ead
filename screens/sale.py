"""The sale (DESIGN.md §2, step 2): header, lines, tenders, badges; choose the refund."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Label

from cashier_tui.domain.views import RefundRequest, SaleView
from cashier_tui.i18n import N_, _

from .base import TillScreen
from .tables import column_widths, refill, table_room
from .texts import METHODS, when, word
from .widgets import ErrorLine, Note

REFUND_ACTIONS = ("full", "items", "amount")


def money_cell(text: str) -> Text:
    return Text(text, justify="right")


class SaleScreen(TillScreen):
    TITLE = N_("Sale")
    CSS_PATH = "sale.tcss"
    BINDINGS = [
        Binding("f", "full", N_("Full refund"), id="sale.full"),
        Binding("i", "items", N_("By items"), id="sale.items"),
        Binding("a", "amount", N_("By amount"), id="sale.amount"),
        Binding("escape", "back", N_("Back"), id="sale.back"),
    ]

    def __init__(self, sale: SaleView) -> None:
        super().__init__()
        self.sale = sale

    def body(self) -> Iterable[Widget]:
        sale = self.sale
        yield Note(
            _("Receipt {receipt}   Sold {time}").format(
                receipt=sale.receipt_no,  # in the store's zone, as refunds and vouchers
                time=when(sale.sold_at.astimezone(self.app.clock.now().tzinfo)))
            + "\n" + _("Store/till {store}/{till}   Cashier {cashier}").format(
                store=sale.store, till=sale.till, cashier=sale.cashier),
            id="sale-header",
        )
        with Horizontal(id="badges"):
            yield from self.badges()
        lines = DataTable(id="lines", cursor_type="row", zebra_stripes=True)
        lines.border_title = _("Items")
        yield lines
        tenders = DataTable(id="tenders", cursor_type="row")
        tenders.border_title = _("Payments")
        yield tenders
        yield Note(self.totals(), id="totals")
        yield ErrorLine(id="error", classes="notice")

    def badges(self) -> Iterable[Widget]:
        sale = self.sale
        if sale.voided:
            yield Label(_("VOIDED"), classes="badge badge-bad")
        elif sale.fully_refunded:
            yield Label(_("FULLY REFUNDED"), classes="badge badge-bad")
        elif self.unsettled():
            yield Label(_("UNSETTLED: A FULL REFUND VOIDS IT"), classes="badge badge-warn")
        if sale.days_outside_window > 0:
            yield Label(_("OUTSIDE WINDOW ({n} days)").format(n=sale.age_days),
                        classes="badge badge-warn")

    def unsettled(self) -> list[str]:
        """The methods of tenders not settled yet (refunded in full, they are voided)."""
        return [word(METHODS, t.method) for t in self.sale.tenders
                if not t.settled and t.refundable == t.amount]

    def totals(self) -> str:
        s = self.sale
        left = 0 if s.voided else s.refundable  # a voided sale refunds nothing
        return _("Total {total}   Refunded {refunded}   Can refund {left}").format(
            total=self.money(s.total, s.currency), refunded=self.money(s.refunded, s.currency),
            left=self.money(left, s.currency))

    def explanation(self) -> str:
        s = self.sale
        if s.voided:
            return _("This sale was voided: there is nothing to refund.")
        if s.fully_refunded:
            return _("Everything on this sale has already been refunded.")
        parts = []
        if unsettled := self.unsettled():
            parts.append(_("{methods}: not settled yet, so refunding all of it voids the "
                           "payment.").format(methods=", ".join(unsettled)))
        if s.in_flight:
            parts.append(_("{amount} is still being refunded.").format(
                amount=self.money(s.in_flight, s.currency)))
        if s.days_outside_window > 0:
            parts.append(_("Sold {days} days ago, outside the {window}-day window: a manager "
                           "must approve.").format(days=s.age_days, window=s.window_days))
        if s.age_days > self.till.policy.gateway_max_days:
            parts.append(_("Too old for the provider: only a cash refund is possible."))
        return " ".join(parts)

    def on_mount(self) -> None:
        self.fill()
        self.query_one("#lines", DataTable).focus()

    def fill(self) -> None:
        self.lay_out()
        self.show_error(self.explanation() or None)

    def on_resize(self) -> None:
        """Columns are sized to the width the screen has now, on every resize."""
        if self.is_mounted:
            self.lay_out()

    def lay_out(self) -> None:
        """Fill both tables for the screen's width: every number column as wide as its
        widest cell, the item name takes what is left (the SKU too, when there is room)."""
        sale = self.sale
        lines = self.query_one("#lines", DataTable)
        left = [0 if sale.voided else line.refundable_qty for line in sale.lines]
        cells = [[str(line.line_no), Text(line.name, overflow="ellipsis", no_wrap=True),
                  line.sku, str(line.qty), str(line.refunded_qty), str(n),
                  money_cell(self.money(line.net, sale.currency))]
                 for line, n in zip(sale.lines, left, strict=True)]
        labels = ["#", _("Item"), _("SKU"), _("Sold"), _("Refunded"), _("Left"), _("Amount")]
        widths = column_widths(labels, cells)
        room = table_room(lines, self.size.width, len(labels) - 1)
        fixed = sum(widths) - widths[1] - widths[2]
        wide = self.size.width >= 100 and room - fixed - widths[2] - 2 >= 24
        keep = [i for i in range(len(labels)) if wide or i != 2]
        widths[1] = max(8, room - fixed - (widths[2] + 2 if wide else 0))
        refill(lines, [(labels[i], widths[i]) for i in keep],
               [([row[i] for i in keep], str(line.line_id))
                for row, line in zip(cells, sale.lines, strict=True)])
        tenders = self.query_one("#tenders", DataTable)
        cells = [[word(METHODS, t.method), t.masked,
                  money_cell(self.money(t.amount, sale.currency)),
                  money_cell(self.money(t.refunded, sale.currency))] for t in sale.tenders]
        labels = [_("Method"), _("Reference"), _("Paid"), _("Refunded")]
        widths = [max(w, (20 if wide else 14) if i < 2 else (16 if wide else 12))
                  for i, w in enumerate(column_widths(labels, cells))]
        refill(tenders, list(zip(labels, widths, strict=True)),
               [(row, str(t.tender_id)) for row, t in zip(cells, sale.tenders, strict=True)])

    def refundable(self) -> bool:
        return not self.sale.voided and self.sale.refundable > 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in REFUND_ACTIONS and not self.refundable():
            return None
        if action == "items" and not any(line.refundable_qty for line in self.sale.lines):
            return None
        return True

    def _start(self, request: RefundRequest) -> None:
        from .details import DetailsScreen

        self.app.push_screen(DetailsScreen(self.sale, request))

    def action_full(self) -> None:
        self._start(RefundRequest(receipt_no=self.sale.receipt_no, kind="full"))

    def action_items(self) -> None:
        from .items import ItemsScreen

        self.app.push_screen(ItemsScreen(self.sale))

    def action_amount(self) -> None:
        from .amount import AmountScreen

        self.app.push_screen(AmountScreen(self.sale))

    def action_back(self) -> None:
        self.dismiss()
