"""The shift report (DESIGN.md §2, step 8): today's totals by method, cash paid out; export."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable

from cashier_tui.domain.views import ShiftReport
from cashier_tui.i18n import N_, _, ngettext

from .base import TillScreen
from .texts import METHODS, word
from .widgets import ErrorLine, Note


class ShiftReportScreen(TillScreen):
    TITLE = N_("Shift report")
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("e", "export", N_("Export"), id="report.export"),
        Binding("escape", "back", N_("Back"), id="report.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: ShiftReport | None = None
        self.exporting = False

    def body(self) -> Iterable[Widget]:
        yield Note(_("Loading…"), id="report-head")
        table = DataTable(id="by-method", cursor_type="row")
        table.border_title = _("By method")
        yield table
        yield Note("", id="report-foot")
        yield ErrorLine(id="export-status", classes="notice")
        yield ErrorLine(id="error")

    def on_mount(self) -> None:
        table = self.query_one("#by-method", DataTable)
        table.add_column(_("Method"), width=20)
        table.add_column(_("Amount"), width=14)  # refunded, or voided (its own rows)
        table.focus()
        self.call_till("report", self.till.shift_report)

    def till_report(self, report: ShiftReport) -> None:
        self.report = report
        self.refresh_bindings()  # Export was greyed while the report loaded

        def money(minor: int) -> str:
            return self.money(minor, report.currency)

        head = ngettext("{day}: {n} refund, {total} refunded",
                        "{day}: {n} refunds, {total} refunded", report.count).format(
            day=report.day, n=report.count, total=money(report.total))
        if report.voided:
            head += _(", {amount} voided").format(amount=money(sum(report.voided.values())))
        self.query_one("#report-head", Note).update(head)
        table = self.query_one("#by-method", DataTable)
        table.clear()
        for method, amount in report.by_method.items():
            table.add_row(word(METHODS, method), Text(money(amount), justify="right"))
        for method, amount in report.voided.items():  # a void is not a refund: its own row
            table.add_row(_("{method} (voided)").format(method=word(METHODS, method)),
                          Text(money(amount), justify="right"))
        if not report.by_method and not report.voided:
            table.add_row(_("(none)"), "")
        foot = [_("Cash paid out of the drawer: {amount}").format(
            amount=money(report.cash_paid_out))]
        if report.pending:
            foot.append(_("{n} refunds still waiting for the provider.").format(
                n=report.pending))
        if report.failed:
            foot.append(_("{n} refunds need a retry (journal, F5).").format(n=report.failed))
        self.query_one("#report-foot", Note).update("\n".join(foot))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return None if self.exporting or self.report is None else True
        return True

    def export_path(self) -> Path:
        from platformdirs import user_documents_path

        assert self.report is not None
        folder = self.app.export_dir or user_documents_path()
        return Path(folder) / f"refunds-{self.till.till_id}-{self.report.day}.jsonl"

    def action_export(self) -> None:
        if self.report is None or self.exporting:
            return
        self.exporting = True
        self.refresh_bindings()
        self.query_one("#export-status", ErrorLine).say(_("Exporting…"))
        self.call_till("export", self.do_export, self.export_path(), self.report.day)

    def do_export(self, path: Path, day: str) -> tuple[Path, int]:
        from datetime import date

        from cashier_tui.export import export_refunds

        path.parent.mkdir(parents=True, exist_ok=True)
        cashier = self.app.cashier.cashier_id if self.app.cashier else None
        with path.open("w", encoding="utf-8") as out:
            count = export_refunds(self.till.engine, out, "jsonl", date.fromisoformat(day),
                                   actor=cashier, clock=self.app.clock,
                                   tz=self.app.clock.now().tzinfo, store=self.till.store)
        return path, count

    def till_export(self, value: tuple[Path, int]) -> None:
        path, count = value
        self.exporting = False
        self.refresh_bindings()
        self.query_one("#export-status", ErrorLine).say(
            ngettext("Exported {n} refund to {path}", "Exported {n} refunds to {path}",
                     count).format(n=count, path=path))

    def till_export_failed(self, exc: BaseException) -> None:
        self.exporting = False
        self.refresh_bindings()
        self.query_one("#export-status", ErrorLine).say(
            _("Export failed: {why}").format(why=exc))

    def action_back(self) -> None:
        self.dismiss()
