"""Processing (DESIGN.md §2, step 5): commit, then send to the provider, with progress.

The work runs in a thread worker that only posts messages; the screen changes in the
handlers. A decline or a timeout is said plainly, with what to do next: R retries with the
same idempotency keys (the customer is never refunded twice).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

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

    class Committed(Message):
        def __init__(self, refund: RefundView) -> None:
            super().__init__()
            self.refund = refund

    class Finished(Message):
        def __init__(self, refund: RefundView | None, error: BaseException | None) -> None:
            super().__init__()
            self.refund, self.error = refund, error

    def __init__(self, sale: SaleView, request: RefundRequest,
                 approval: Approval | None) -> None:
        super().__init__()
        self.sale, self.request, self.approval = sale, request, approval
        self.refund: RefundView | None = None
        self.step = "saving"
        self.running = False

    def body(self) -> Iterable[Widget]:
        yield Note("", id="steps")
        yield Note("", id="refund-no")
        yield Note("", id="account")
        yield ErrorLine(id="error")

    def on_mount(self) -> None:
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
                refund = self.till.commit(self.request, cashier, self.approval)
                post(self.Committed(refund))
            call = self.till.retry if retry else self.till.process
            refund = call(refund.refund_no, progress=lambda s, d: post(self.Step(s, d)))
        except Exception as exc:
            post(self.Finished(None, exc))
        else:
            post(self.Finished(refund, None))

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

    def on_processing_screen_committed(self, message: Committed) -> None:
        self.refund = message.refund
        self.query_one("#refund-no", Note).update(
            _("Refund number {no}").format(no=message.refund.refund_no))

    def on_processing_screen_finished(self, message: Finished) -> None:
        self.running = False
        self.refresh_bindings()
        self.app.refresh_bindings()
        if message.error is not None:
            self.draw_steps()
            self.show_error(error_text(message.error, self.lang, currency=self.sale.currency)
                            + "  " + _("Esc goes back."))
            return
        refund = message.refund
        assert refund is not None
        self.refund = refund
        if refund.status == "completed":
            self.action_done()
            return
        self.draw_steps()
        self.query_one("#account", Note).update(
            legs_account(refund, self.money) + "\n\n" + next_steps(refund, self.lang))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.running:
            return None if action in ("retry", "done", "leave") else True
        refund = self.refund
        if action == "retry":
            return refund is not None and (refund.status in ("failed", "partial", "pending")
                                           or not refund.final)
        if action == "done":
            return refund is not None and any(leg.state == "succeeded" for leg in refund.legs)
        return True

    def action_retry(self) -> None:
        if not self.running and self.refund is not None:
            self.start(retry=True)

    def action_done(self) -> None:
        if self.refund is None:
            return
        from .done import DoneScreen

        self.app.switch_screen(DoneScreen(self.refund))

    async def action_leave(self) -> None:
        if self.running:
            return
        if self.refund is None:  # nothing was written: back to the details
            self.dismiss()
        else:  # the refund is saved; the journal (F5) can retry it later
            await self.app.action_new_refund()
