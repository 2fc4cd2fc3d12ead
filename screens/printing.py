"""Printing a refund voucher from a screen: in a worker, with a plain outcome line.

A printing failure never undoes a refund: the voucher stays unprinted, the line under the
summary says what went wrong and that P prints it again, and the cashier can go on (the
printer is talked to in a worker with a deadline of a few seconds, never on the UI thread).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cashier_tui.domain.views import RefundView
from cashier_tui.i18n import N_, _

from .texts import error_text
from .widgets import ErrorLine

# PrintResult codes (printers.service, printers.targets, printers.network) in the cashier's
# words; each says what to check. The sentence around it says the refund is done and P
# prints again.
PRINT_PROBLEMS = {
    "offline": N_("The printer is not answering: check it is on and connected."),
    "refused": N_("The printer refused the voucher: it may be busy for another till."),
    "timeout": N_("The printer stopped taking the voucher: check its paper and cover."),
    "dropped": N_("The printer's connection broke while printing: the voucher may be "
                  "incomplete."),
    "unconfirmed": N_("The printer did not confirm it took the voucher: check whether it "
                      "came out."),
    "paper_out": N_("The printer is out of paper: load a new roll."),
    "cover_open": N_("The printer's cover is open."),
    "unsupported": N_("This printer cannot print the voucher."),
    "file_error": N_("The voucher file cannot be written: check the printer setting."),
    "no_cjk_font": N_("No Chinese font to print with: set cjk_font, or voucher_cjk = "
                      "\"gb18030\"."),
    "usb_backend": N_("USB printing needs libusb, which is not installed."),
    "lp_missing": N_("Printing to a queue needs the CUPS lp command, which is not "
                     "installed."),
    "error": N_("The printer failed (the log has the details)."),
}
# Codes after which the drawer kick (sent first in the job) may have reached the printer.
DRAWER_SENT = ("ok", "dropped")


def print_problem(code: str, message: str = "") -> str:
    """What went wrong with the printer, in the UI language."""
    template = PRINT_PROBLEMS.get(code) or ("" if message else PRINT_PROBLEMS.get("error"))
    return _(template) if template else message


def not_printed(why: str) -> str:
    return _("Not printed. {why} The refund is done: press p to print again.").format(why=why)


def not_confirmed(why: str) -> str:
    """The job went out but the printer never showed it took it: it may or may not be on
    paper, so it is not counted as printed and P prints it again."""
    return _("Not confirmed. {why} The refund is done: press p to print again.").format(
        why=why)


class PrintMixin:
    """For screens that print: ``print_voucher`` and a ``#print-status`` line."""

    printing = False
    preview_lines: tuple[str, ...] = ()
    last_print_reprint = False

    def print_voucher(self, refund: RefundView, *, reprint: bool) -> None:
        if self.printing:
            return
        self.printing = True
        self.last_print_reprint = reprint
        self.refresh_bindings()
        self.query_one("#print-status", ErrorLine).say(
            _("Printing the voucher…"))
        self.call_till("print", self.do_print, refund, reprint,
                       self.may_open_drawer(refund, reprint))

    def may_open_drawer(self, refund: RefundView, reprint: bool) -> bool:
        """Whether this print may kick the cash drawer (only the done screen's first print
        of a new cash refund does; a reprint or training never does, see printers.layout)."""
        return False

    def do_print(self, refund: RefundView, reprint: bool,
                 open_drawer: bool) -> tuple[Any, RefundView, Exception | None]:
        """In the worker: print, record it, read the refund back (its print count changed).

        Recording can fail (the database busy) after the paper came out: that is said as it
        is, not as "not printed"."""
        try:
            printer = self.app.printer
        except ValueError as exc:  # the printer setting is not a printer address
            result: Any = SimpleNamespace(ok=False, code="setting", message=str(exc))
        else:
            result = printer.print_refund(refund, self.lang, reprint=reprint,
                                          tz=self.app.clock.now().tzinfo,
                                          open_drawer=open_drawer)
        cashier = self.app.cashier.cashier_id if self.app.cashier else None
        try:
            self.till.mark_printed(refund.refund_no, reprint=reprint, ok=result.ok,
                                   detail=result.code, cashier_id=cashier)
            return result, self.till.get_refund(refund.refund_no), None
        except Exception as exc:
            return result, refund, exc

    def till_print(self, value: tuple[Any, RefundView, Exception | None]) -> None:
        result, refund, unrecorded = value
        self.printing = False
        self.refresh_bindings()
        lines = getattr(result, "preview_lines", None)
        if lines:
            self.preview_lines = tuple(lines)
        self.print_outcome(getattr(result, "code", ""))
        self.printed(refund)
        status = self.query_one("#print-status", ErrorLine)
        if unrecorded is not None:
            status.say(_("The printer answered, but the till could not record it: {why}")
                       .format(why=error_text(unrecorded, self.lang)))
        elif getattr(result, "ok", False):
            status.say(_("Voucher printed: customer copy and merchant copy."))
        else:
            code = getattr(result, "code", "")
            said = not_confirmed if code == "unconfirmed" else not_printed
            status.say(said(print_problem(code, getattr(result, "message", ""))))
        self.after_print()

    def till_print_failed(self, exc: BaseException) -> None:
        """The print went out (or not) but recording it failed, or the printer code broke."""
        self.printing = False
        self.refresh_bindings()
        self.query_one("#print-status", ErrorLine).say(not_printed(error_text(exc, self.lang)))

    def print_outcome(self, code: str) -> None:
        """Hook: the result code of the print that just finished."""

    def printed(self, refund: RefundView) -> None:
        """The refund read back after printing (print count, printed flag)."""

    def after_print(self) -> None:
        """Hook: redraw whatever shows the voucher."""
