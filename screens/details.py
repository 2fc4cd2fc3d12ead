"""Refund details (DESIGN.md §2, step 3): payout, reason, restock, note, live breakdown.

Every change asks ``Till.quote`` (in a worker) for a fresh breakdown; its problems are
shown next to the field they name. Enter goes on: approval (when a rule asks), confirm,
processing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select

from cashier_tui.domain.views import REASONS, Approval, Quote, RefundRequest, SaleView
from cashier_tui.i18n import N_, _

from .base import TillScreen
from .breakdown import LinesTable, legs_text
from .texts import KINDS, METHODS, problem_text, word
from .texts import REASONS as REASON_WORDS
from .widgets import ErrorLine, Field, Note

FIELDS = ("payout", "reason", "reason_text", "note", "restock")


class DetailsScreen(TillScreen):
    TITLE = N_("Refund details")
    CSS_PATH = "details.tcss"
    BINDINGS = [
        Binding("enter", "next", N_("Continue"), id="details.next"),
        Binding("space", "restock", N_("Restock on/off"), priority=True,
                id="details.restock"),
        Binding("space", "open_list", N_("Open the list"), priority=True,
                id="details.open_list"),
        Binding("escape", "back", N_("Back"), id="details.back"),
    ]

    def __init__(self, sale: SaleView, request: RefundRequest) -> None:
        super().__init__()
        self.sale = sale
        self.request = request
        self.quote: Quote | None = None
        self._go_on = False  # Enter was pressed: continue once the fresh quote is in
        self._tried = False  # Enter was pressed once: show every field's problem
        self._touched: set[str] = set()  # fields the cashier changed: show their problems
        self._ready = False
        # The request key of the last confirm and the request it was made for: kept for an
        # unchanged repeat, a new one as soon as the request differs.
        self.request_key: str | None = None
        self._keyed: RefundRequest | None = None

    def body(self) -> Iterable[Widget]:
        cash_only = self.sale.age_days > self.till.policy.gateway_max_days
        payout = "cash" if cash_only else self.request.payout
        self.request = replace(self.request, payout=payout)
        with Horizontal(id="details"):
            with Vertical(id="form"):
                yield Note(word(KINDS, self.request.kind), id="kind")
                yield Field(_("Pay back"), Select(
                    [(self.original_label(), "original"), (_("Cash from the drawer"), "cash")],
                    value=payout, allow_blank=False, id="payout"), name="payout")
                yield Field(_("Reason"), Select(
                    [(word(REASON_WORDS, r), r) for r in REASONS], prompt=_("Choose…"),
                    value=self.request.reason or Select.NULL, id="reason"), name="reason")
                yield Field(_("Reason, in words"), Input(id="reason_text", max_length=200),
                            name="reason_text", classes="hidden")
                yield Field(_("Note"), Input(id="note", max_length=200), name="note")
            with Vertical(id="summary"):
                lines = LinesTable(id="restock", cursor_type="row")
                lines.border_title = _("Refund")
                if self.request.kind == "amount":
                    lines.add_class("hidden")
                yield lines
                yield ErrorLine(id="err-restock", classes="field-error")
                yield Note(_("Working out the refund…"), id="legs")
                yield ErrorLine(id="approvals", classes="notice")
                yield ErrorLine(id="error")

    def original_label(self) -> str:
        methods = dict.fromkeys(word(METHODS, t.method) for t in self.sale.tenders)
        return _("Original route") + f" ({', '.join(methods)})"

    def on_mount(self) -> None:
        table = self.query_one("#restock", LinesTable)
        table.setup(self.app.size.width * 55 // 100 - 2)
        # The first thing to fill in; with a reason already chosen, the note, where Enter goes on.
        self.query_one("#reason" if not self.request.reason else "#note").focus()
        self.requote()
        self.call_after_refresh(setattr, self, "_ready", True)

    # --- the request follows the form ------------------------------------------------
    def on_select_changed(self, event: Select.Changed) -> None:
        chosen = self._ready and bool(event.select.id)
        if chosen:
            self._touched.add(event.select.id)
        if event.select.id == "payout" and event.value in ("original", "cash"):
            self.request = replace(self.request, payout=event.value)
            if chosen:  # on to the reason (or the note), as after choosing a reason (16.12)
                self.call_after_refresh(
                    self.query_one("#note" if self.request.reason else "#reason").focus)
        elif event.select.id == "reason":
            reason = "" if event.value is Select.NULL else str(event.value)
            self.request = replace(self.request, reason=reason)
            self.query_one("#field-reason_text").set_class(reason != "other", "hidden")
            if chosen and reason:  # on to the next field, so that Enter then goes on
                self.call_after_refresh(
                    self.query_one("#reason_text" if reason == "other" else "#note").focus)
        self.requote()

    def on_input_changed(self, event: Input.Changed) -> None:
        value = event.value.strip() or None
        if self._ready and event.input.id:
            self._touched.add(event.input.id)
        if event.input.id == "reason_text":
            self.request = replace(self.request, reason_text=value)
            self.requote()
        elif event.input.id == "note":
            self.request = replace(self.request, note=value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in an input (after every key typed before it, even from a fast scanner)."""
        event.stop()
        self.action_next()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_next()

    def action_restock(self) -> None:
        table = self.query_one("#restock", LinesTable)
        line_id = table.current_line_id()
        if line_id is None or not table.has_focus:
            return
        restock = dict(self.request.restock)
        restock[line_id] = not restock.get(line_id, True)
        self.request = replace(self.request, restock=restock)
        if self.quote is not None:
            table.show(self.quote, restock, self._money)
        self.requote()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False lets the key through to the focused widget (a typed space, an open list).
        if action == "restock":
            return self.request.kind != "amount" and self.query_one("#restock").has_focus
        if action == "open_list":
            return isinstance(self.focused, Select) and not self.focused.expanded
        if action == "next":  # on a list Enter opens it (Textual's own key): not shown
            return not isinstance(self.focused, Select) and not any(
                select.expanded for select in self.query(Select))
        return True

    def action_open_list(self) -> None:
        if isinstance(self.focused, Select):
            self.focused.action_show_overlay()

    def _money(self, minor: int) -> str:
        return self.money(minor, self.sale.currency)

    # --- the live quote -----------------------------------------------------------------
    def requote(self) -> None:
        self.call_till("quote", self.till.quote, self.request)

    def till_quote(self, quote: Quote) -> None:
        self.quote = quote
        self.query_one("#restock", LinesTable).show(quote, self.request.restock, self._money)
        self.query_one("#legs", Note).update(legs_text(quote, self._money))
        for name in FIELDS:
            self.query_one(f"#err-{name}", ErrorLine).clear()
        general = []
        for problem in quote.problems:
            text = problem_text(problem, quote.currency, self.lang)
            if problem.field in FIELDS:
                if self._tried or self._go_on or problem.field in self._touched:
                    self.query_one(f"#err-{problem.field}", ErrorLine).say(text)
            else:
                general.append(text)
        self.show_error(" ".join(general) or None)
        self.query_one("#approvals", ErrorLine).say(
            _("A manager must approve this refund.") if quote.needs_approval else None)
        if self._go_on:
            self._go_on = False
            self.go_on(quote)

    def action_next(self) -> None:
        self._go_on = self._tried = True
        self.requote()

    def go_on(self, quote: Quote) -> None:
        if not quote.ok:
            for problem in quote.problems:
                if problem.field in FIELDS and problem.field != "restock":
                    self.query_one(f"#{problem.field}").focus()
                    break
            return
        if quote.needs_approval:
            from .approval import ApprovalModal

            self.app.push_screen(ApprovalModal(self.sale, quote),
                                 lambda approval: self.approved(quote, approval))
        else:
            self.confirm(quote, None)

    def approved(self, quote: Quote, approval: Approval | None) -> None:
        if approval is None:
            self.show_error(_("Not approved: no refund was made."))
            return
        self.confirm(quote, approval)

    def confirm(self, quote: Quote, approval: Approval | None) -> None:
        from .confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                from .processing import ProcessingScreen

                # One key for every commit of the same request: after a lost reply, a second
                # confirm finds the refund the first one may have stored. A changed request
                # (edited after Esc) is another refund attempt: a new key, else the repeat
                # would return the first refund as if it were this one.
                if self.request_key is None or self._keyed != self.request:
                    self.request_key = self.till.request_key()
                    self._keyed = self.request
                request = replace(self.request, request_key=self.request_key)
                self.app.push_screen(ProcessingScreen(self.sale, request, approval))

        self.app.push_screen(ConfirmModal(self.sale, quote), answered)

    def action_back(self) -> None:
        self.dismiss()
