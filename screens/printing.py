"""Printing a refund voucher from a screen: in a worker, with a plain outcome line.

A printing failure never undoes a refund: the voucher stays unprinted and R / P prints it
again when the printer is back.
"""

from __future__ import annotations

from typing import Any

from cashier_tui.domain.views import RefundView
from cashier_tui.i18n import N_, _

from .texts import error_text
from .widgets import ErrorLine

PRINT_PROBLEMS = {
    "offline": N_("The printer is offline: check its cable and power."),
    "paper_out": N_("The printer is out of paper."),
    "timeout": N_("The printer did not answer in time."),
    "cover_open": N_("The printer's cover is open."),
    "unsupported": N_("This printer cannot print the voucher."),
}


class PrintMixin:
    """For screens that print: ``print_voucher`` and a ``#print-status`` line."""

    printing = False
    preview_lines: tuple[str, ...] = ()

    def print_voucher(self, refund: RefundView, *, reprint: bool) -> None:
        if self.printing:
            return
        self.printing = True
        self.refresh_bindings()
        self.query_one("#print-status", ErrorLine).say(
            _("Printing the voucher…"))
        self.call_till("print", self.do_print, refund, reprint)

    def do_print(self, refund: RefundView, reprint: bool) -> tuple[Any, RefundView]:
        """In the worker: print, then read the refund back (its print count changed)."""
        result = self.app.printer.print_refund(refund, self.lang, reprint=reprint)
        cashier = self.app.cashier.cashier_id if self.app.cashier else None
        self.till.mark_printed(refund.refund_no, reprint=reprint, ok=result.ok,
                               detail=result.code, cashier_id=cashier)
        return result, self.till.get_refund(refund.refund_no)

    def till_print(self, value: tuple[Any, RefundView]) -> None:
        result, refund = value
        self.printing = False
        self.refresh_bindings()
        lines = getattr(result, "preview_lines", None)
        if lines:
            self.preview_lines = tuple(lines)
        self.printed(refund)
        status = self.query_one("#print-status", ErrorLine)
        if getattr(result, "ok", False):
            status.say(_("Voucher printed: customer copy and merchant copy."))
        else:
            template = PRINT_PROBLEMS.get(getattr(result, "code", ""))
            why = _(template) if template else (getattr(result, "message", "") or "")
            status.say(_("Not printed. {why} The refund is done; print again when the "
                         "printer is ready.").format(why=why))
        self.after_print()

    def till_print_failed(self, exc: BaseException) -> None:
        self.printing = False
        self.refresh_bindings()
        self.query_one("#print-status", ErrorLine).say(
            _("Not printed. {why} The refund is done; print again when the printer is "
              "ready.").format(why=error_text(exc, self.lang)))

    def printed(self, refund: RefundView) -> None:
        """The refund read back after printing (print count, printed flag)."""

    def after_print(self) -> None:
        """Hook: redraw whatever shows the voucher."""
