"""Done (DESIGN.md §2, step 6): the refund QR, amount and method, the voucher preview;
print (customer + merchant copy), reprint, new refund."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.widget import Widget

from cashier_tui.domain.views import RefundView
from cashier_tui.i18n import N_, _

from .base import TillScreen
from .printing import PrintMixin
from .refund import leg_line
from .texts import STATUSES, word
from .widgets import ErrorLine, Note


class DoneScreen(PrintMixin, TillScreen):
    TITLE = N_("Refund done")
    CSS_PATH = "done.tcss"
    BINDINGS = [
        Binding("p", "print", N_("Print"), id="done.print"),
        Binding("r", "reprint", N_("Reprint"), id="done.reprint"),
        Binding("n,enter", "new", N_("New refund"), key_display="n", id="done.new"),
    ]

    def __init__(self, refund: RefundView) -> None:
        super().__init__()
        self.refund = refund

    def body(self) -> Iterable[Widget]:
        with Horizontal(id="done"):
            with Vertical(id="qr-box"):
                yield self.qr()
            with Vertical(id="done-info"):
                yield Note(self.summary(), id="done-summary")
                yield ErrorLine(id="print-status", classes="notice")
                yield ErrorLine(id="error")
                with ScrollableContainer(id="voucher"):
                    yield Note(_("Voucher preview…"), id="voucher-lines")

    def qr(self) -> Widget:
        r = self.refund
        codec = self.app.codec
        try:
            from .qr_widget import QRCode
        except ImportError:
            QRCode = None
        if codec is None or QRCode is None:
            return Note(r.refund_no, id="refund-no-big")
        return QRCode(codec.encode(r.refund_no, r.amount, r.currency))

    def summary(self) -> str:
        r = self.refund

        def money(minor: int) -> str:
            return self.money(minor, r.currency)

        rows = [
            _("Refund {no}").format(no=r.refund_no),
            f"{money(r.amount)}   {word(STATUSES, r.status)}",
            *(leg_line(leg, money) for leg in r.legs),
        ]
        if r.cash_paid:
            rows.append(_("Give the customer {amount} from the drawer.").format(
                amount=money(r.cash_paid)))
        return "\n".join(rows)

    def on_mount(self) -> None:
        self.call_till("preview", self.load_preview, self.refund)

    def load_preview(self, refund: RefundView) -> list[str]:
        return self.app.printer.preview(refund, self.lang)

    def till_preview(self, lines: list[str]) -> None:
        self.query_one("#voucher-lines", Note).update("\n".join(lines))

    def till_preview_failed(self, exc: BaseException) -> None:
        self.query_one("#voucher-lines", Note).update(_("No preview: {why}").format(why=exc))

    def after_print(self) -> None:
        if self.preview_lines:
            self.query_one("#voucher-lines", Note).update("\n".join(self.preview_lines))

    def printed(self, refund: RefundView) -> None:
        self.refund = refund
        self.query_one("#done-summary", Note).update(self.summary())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("print", "reprint") and self.printing:
            return None
        if action == "reprint":
            return self.refund.print_count > 0 or None
        return True

    def action_print(self) -> None:
        self.print_voucher(self.refund, reprint=self.refund.print_count > 0)

    def action_reprint(self) -> None:
        self.print_voucher(self.refund, reprint=True)

    async def action_new(self) -> None:
        await self.app.action_new_refund()
