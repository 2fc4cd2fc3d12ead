"""Done (DESIGN.md §2, step 6): the refund QR, amount and method, the voucher preview;
print (customer + merchant copy), reprint, new refund.

On a real printer (anything but ``preview``) the voucher prints as the screen opens, and a
cash refund's first print kicks the cash drawer. Printing runs in a worker: the screen's
keys work meanwhile, and a failure is said on the screen with what to do (P prints again).

The preview beside the QR code is laid out at 48 columns when the box has room for them,
else at 32 (the 58 mm layout of the same voucher): never cut off, never scrolled sideways.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.widget import Widget

from cashier_tui.domain.views import RefundView
from cashier_tui.i18n import N_, _

from .base import TillScreen
from .printing import DRAWER_SENT, PrintMixin
from .refund import leg_line
from .texts import STATUSES, all_void, word
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
        if all_void(refund.legs):  # the card payment was cancelled, not refunded
            self.TITLE = N_("Void done")
        self.drawer_opened = False  # a print of this refund may have kicked the drawer
        self.preview_columns = 0  # the width the preview was last laid out at
        self._shown = False

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
            (_("Void {no}") if all_void(r.legs) else _("Refund {no}")).format(no=r.refund_no),
            f"{money(r.amount)}   {word(STATUSES, r.status)}",
            *(leg_line(leg, money) for leg in r.legs),
        ]
        if r.cash_paid:
            rows.append(_("Give the customer {amount} from the drawer.").format(
                amount=money(r.cash_paid)))
        return "\n".join(rows)

    def on_mount(self) -> None:
        self.call_after_refresh(self.refresh_preview)
        if getattr(self.printer(), "prints_on_paper", False) and self.refund.print_count == 0:
            self.print_voucher(self.refund, reprint=False)

    def printer(self) -> Any:
        """The print service, or None when the printer setting is not a printer address
        (printing then says why, from its worker)."""
        try:
            return self.app.printer
        except ValueError:
            return None

    def on_screen_resume(self) -> None:
        """Back from the journal or help: the voucher may have been printed from there."""
        if self._shown:
            self.call_till("reload", self.till.get_refund, self.refund.refund_no)
        self._shown = True

    def till_reload(self, refund: RefundView) -> None:
        if refund.print_count < self.refund.print_count:  # never an older read
            return
        printed_elsewhere = refund.print_count > self.refund.print_count
        self.printed(refund)
        self.refresh_bindings()
        if printed_elsewhere:  # a "Not printed" line here would be stale now
            self.query_one("#print-status", ErrorLine).say(
                _("Voucher printed: customer copy and merchant copy."))

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_preview)

    def fitting_columns(self) -> int:
        """48 when the preview box has room for the 80 mm layout, else 32 (58 mm)."""
        printer_columns = getattr(self.printer(), "columns", 48)
        box = self.query_one("#voucher", ScrollableContainer)
        lines = self.query_one("#voucher-lines", Note)
        room = (box.size.width - box.styles.gutter.width - box.styles.scrollbar_size_vertical
                - lines.styles.gutter.width)
        return 48 if printer_columns >= 48 and room >= 48 else 32

    def refresh_preview(self, *, force: bool = False) -> None:
        columns = self.fitting_columns()
        if force or columns != self.preview_columns:
            self.preview_columns = columns
            self.call_till("preview", self.load_preview, self.refund, columns,
                           self.last_print_reprint)

    def load_preview(self, refund: RefundView, columns: int, reprint: bool) -> list[str]:
        return self.app.printer.preview(refund, self.lang, reprint=reprint, columns=columns,
                                        tz=self.app.clock.now().tzinfo)

    def till_preview(self, lines: list[str]) -> None:
        self.query_one("#voucher-lines", Note).update("\n".join(lines))

    def till_preview_failed(self, exc: BaseException) -> None:
        self.query_one("#voucher-lines", Note).update(_("No preview: {why}").format(why=exc))

    def may_open_drawer(self, refund: RefundView, reprint: bool) -> bool:
        return not reprint and not self.drawer_opened

    def print_outcome(self, code: str) -> None:
        if code in DRAWER_SENT:
            self.drawer_opened = True

    def after_print(self) -> None:
        self.refresh_preview(force=True)  # a reprint shows its REPRINT mark

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
