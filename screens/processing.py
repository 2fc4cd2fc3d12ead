"""Processing (DESIGN.md §2, step 5): commit, then send to the provider, with progress.

The work runs in a thread worker that only posts messages; the screen changes in the
handlers. A decline or a timeout is said plainly, with what to do next: R retries with the
same idempotency keys (the customer is never refunded twice).

The commit carries the request key of this attempt (made by the details screen, kept on
every repeat). When the reply to the commit is lost the screen says the refund may have
been saved, looks it up by that key and goes on with it, or says plainly it was not saved;
R commits again with the same key, which finds the first refund rather than making another.
The look-up takes the sale's lock first (``Till.find_by_request_key``): "not saved" is said
only once a commit the server may still be finishing has ended.

The same for R on a declined refund: when the reply to the retry's COMMIT is lost, the
screen says it may have been saved, re-reads the refund under the sale's lock
(``Till.check_refund``) and goes on sending it when its legs are back in flight, or says
plainly that it was not retried.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from cashier_tui.domain.errors import OutcomeUnknown, TillError
from cashier_tui.domain.views import Approval, RefundRequest, RefundView, SaleView
from cashier_tui.i18n import N_, _

from .base import TillScreen
from .refund import legs_account, next_steps
from .texts import STEPS, error_text, word
from .widgets import ErrorLine, Note

ORDER = ("saving", "sending", "waiting", "recording", "done")


class ProcessingScreen(TillScreen):
    TITLE = N_("Refunding")
    CSS_PATH = "processing.tcss"
    BINDINGS = [
        Binding("r", "retry", N_("Retry"), id="processing.retry"),
        Binding("enter", "done", N_("Voucher"), id="processing.done"),
        Binding("escape", "leave", N_("Leave"), id="processing.leave"),
    ]

    class Step(Message):
        def __init__(self, step: str, detail: str) -> None:
            super().__init__()
            self.step, self.detail = step, detail

    class Checking(Message):
        """The reply to the commit was lost: the refund is being looked up by its key."""

    class Committed(Message):
        def __init__(self, refund: RefundView) -> None:
            super().__init__()
            self.refund = refund

    class Finished(Message):
        def __init__(self, refund: RefundView | None, error: BaseException | None,
                     not_retried: bool = False) -> None:
            super().__init__()
            self.refund, self.error, self.not_retried = refund, error, not_retried

    def __init__(self, sale: SaleView, request: RefundRequest,
                 approval: Approval | None) -> None:
        super().__init__()
        self.sale, self.request, self.approval = sale, request, approval
        self.refund: RefundView | None = None
        # "unknown": the refund may be stored (not found out yet); "not_saved": it surely is
        # not. Either way R commits again with the same request key.
        self.unsure: str | None = None
        self.step = "saving"
        self.running = False

    def body(self) -> Iterable[Widget]:
        yield Note("", id="steps")
        yield Note("", id="refund-no")
        yield Note("", id="account")
        yield ErrorLine(id="error")

    def on_mount(self) -> None:
        if self.request.request_key is None:
            self.request = replace(self.request, request_key=self.till.request_key())
        self.start(retry=False)

    @property
    def busy(self) -> bool:
        return self.running

    def start(self, *, retry: bool) -> None:
        self.running = True
        self.show_error(None)
        self.query_one("#account", Note).update("")
        self.step = "saving" if self.refund is None else "sending"
        self.draw_steps()
        self.refresh_bindings()
        self.app.refresh_bindings()
        cashier = self.app.cashier.cashier_id if self.app.cashier else ""
        self.run_refund(cashier, retry)

    @work(thread=True, exclusive=True, exit_on_error=False, group="processing")
    def run_refund(self, cashier: str, retry: bool) -> None:
        post = self.post_message
        try:
            refund = self.refund
            if refund is None:
                refund = self.commit(cashier)
                if refund is None:
                    post(self.Finished(None, None))
                    return
                post(self.Committed(refund))
            progress = lambda s, d: post(self.Step(s, d))  # noqa: E731
            if not retry:
                refund = self.till.process(refund.refund_no, progress=progress)
            else:
                refund, retried = self.retry(refund, progress)
                if not retried:
                    post(self.Finished(refund, None, not_retried=True))
                    return
        except Exception as exc:
            post(self.Finished(None, exc))
        else:
            post(self.Finished(refund, None))

    def retry(self, refund: RefundView, progress) -> tuple[RefundView, bool]:
        """R on a saved refund: the refund after it, and whether it was retried. After a
        lost reply to the retry's COMMIT, the refund is read under its sale's lock and sent
        on when its legs are back in flight (else: not retried). Raises OutcomeUnknown when
        the database cannot be asked yet."""
        try:
            return self.till.retry(refund.refund_no, progress=progress), True
        except OutcomeUnknown as lost:
            self.post_message(self.Checking())
            try:
                now = self.till.check_refund(refund.refund_no)
            except TillError:
                raise lost from None
        if now.final:
            return now, False
        return self.till.process(now.refund_no, progress=progress), True

    def commit(self, cashier: str) -> RefundView | None:
        """Commit (a repeat of this request finds its refund); after a lost reply, the
        refund found by the request key, or None when it was not stored. Raises
        OutcomeUnknown when the database cannot be asked yet."""
        try:
            return self.till.commit(self.request, cashier, self.approval)
        except OutcomeUnknown as lost:
            self.post_message(self.Checking())
            try:
                return self.till.find_by_request_key(self.request.request_key or "",
                                                     self.request.receipt_no)
            except TillError:
                raise lost from None

    def draw_steps(self) -> None:
        at = ORDER.index(self.step) if self.step in ORDER else 0
        # "Done" is ticked only for a refund that is done: never beside "Declined" (16.12)
        done = self.refund is not None and self.refund.status == "completed"
        marks = []
        for i, step in enumerate(ORDER):
            reached = i < at or (step == "done" and at == len(ORDER) - 1 and done)
            mark = "✓" if reached else ("›" if i == at and self.running else "·")
            marks.append(f" {mark} {word(STEPS, step)}")
        self.query_one("#steps", Note).update("\n".join(marks))

    def on_processing_screen_step(self, message: Step) -> None:
        self.step = message.step
        self.draw_steps()

    def on_processing_screen_checking(self, message: Checking) -> None:
        self.show_error(error_text(OutcomeUnknown(""), self.lang) if self.refund is None
                        else _("Lost contact with the database while saving the retry: it "
                               "may have been saved; checking."))

    def on_processing_screen_committed(self, message: Committed) -> None:
        self.unsure = None
        self.refund = message.refund
        self.query_one("#refund-no", Note).update(
            _("Refund number {no}").format(no=message.refund.refund_no))

    def on_processing_screen_finished(self, message: Finished) -> None:
        self.running = False
        self.refresh_bindings()
        self.app.refresh_bindings()
        if message.error is not None:
            self.draw_steps()
            if isinstance(message.error, OutcomeUnknown) and self.refund is None:
                self.unsure = "unknown"
                self.show_error(_("The refund may have been saved; the till could not check "
                                  "yet. Press R to check again: it is never made twice. Do "
                                  "not refund it again another way."))
                return
            if isinstance(message.error, OutcomeUnknown):
                self.show_error(_("Lost contact with the database: the last step may have "
                                  "been saved; the till could not check yet. Press R to "
                                  "check again: the refund is never sent twice. Do not "
                                  "refund it again another way."))
                return
            self.show_error(error_text(message.error, self.lang, currency=self.sale.currency)
                            + "  " + _("Esc goes back."))
            return
        refund = message.refund
        if refund is None:  # the reply was lost and the refund is not stored
            self.unsure = "not_saved"
            self.draw_steps()
            self.show_error(_("The refund was not saved. Press R to try again, or Esc to go "
                              "back."))
            return
        self.refund = refund
        if refund.status == "completed":
            self.action_done()
            return
        self.draw_steps()
        self.query_one("#account", Note).update(
            legs_account(refund, self.money) + "\n\n" + next_steps(refund, self.lang))
        if message.not_retried:
            self.show_error(_("The retry was not saved: nothing was retried and nothing was "
                              "sent. Press R to try again."))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.running:
            return None if action in ("retry", "done", "leave") else True
        refund = self.refund
        if action == "retry" and refund is None:
            return self.unsure is not None
        if action == "retry":
            return refund is not None and (refund.status in ("failed", "partial", "pending")
                                           or not refund.final)
        if action == "done":
            return refund is not None and any(leg.state == "succeeded" for leg in refund.legs)
        return True

    def action_retry(self) -> None:
        if not self.running and (self.refund is not None or self.unsure is not None):
            self.start(retry=True)

    def action_done(self) -> None:
        if self.refund is None:
            return
        from .done import DoneScreen

        self.app.switch_screen(DoneScreen(self.refund))

    async def action_leave(self) -> None:
        if self.running:
            return
        if self.refund is None:  # nothing was written (or maybe: the details screen keeps
            self.dismiss()       # the request key, so its next commit finds it)
        else:  # the refund is saved; the journal (F5) can retry it later
            await self.app.action_new_refund()
