"""Help (F1): every key of the screen it was opened over, built from that screen's bindings
(so it can never disagree with the Footer); in training, the practice scenarios too."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label

from cashier_tui.i18n import N_, _

from .base import TillModal
from .widgets import Keys, Note, shown_bindings


def screen_keys(app, screen: Screen) -> list[tuple[str, str, bool]]:
    """(key, what it does, enabled) for every shown binding active on ``screen``."""
    rows: list[tuple[str, str, bool]] = []
    seen: set[tuple[str, str]] = set()
    for _node, binding, enabled in shown_bindings(screen):
        if not binding.description:
            continue
        key = app.get_key_display(binding)
        entry = (key, binding.description)
        if entry in seen:
            continue
        seen.add(entry)
        rows.append((key, _(binding.description), enabled))
    # The screen's own keys first, then the F-keys in order, then the rest (ctrl+p).
    def order(row: tuple[str, str, bool]) -> tuple[int, int]:
        key = row[0]
        if key[:1] == "F" and key[1:].isdigit():
            return (1, int(key[1:]))
        return (2 if key.startswith("^") else 0, 0)

    rows.sort(key=order)
    return rows


class HelpScreen(TillModal[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="help.close"),
        Binding("f1", "close", N_("Close"), show=False, id="help.f1"),
        Binding("enter", "open_scenario", N_("Open"), id="help.open"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under
        # Read now, while ``under`` is still the active screen: its keys as the cashier sees
        # them (the F-keys switch off while any modal, this one too, is open).
        self.rows = screen_keys(self.app, under)
        self.practice = practice_scenarios(self.app)

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="help"):
            title = getattr(self.under, "TITLE", "")
            yield Label(_("Keys: {screen}").format(screen=_(title)) if title else _("Keys"),
                        classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", show_header=False)
            if self.practice:
                # Tab to the list, arrows to a scenario, Enter: its steps (ScenarioModal).
                yield Note(_("Practice: scan these receipts") + "   Tab ↓ ⏎",
                           id="help-practice")
                yield DataTable(id="help-scenarios", cursor_type="row", show_header=False)
        yield Keys(id="keys")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_column("key", width=8)
        table.add_column("action", width=40)
        for key, text, enabled in self.rows:
            table.add_row(key, text if enabled else _("{action} (not now)").format(action=text))
        if self.practice:
            practice = self.query_one("#help-scenarios", DataTable)
            practice.add_column("receipt", width=6)
            practice.add_column("title", width=48)
            for sc in self.practice:
                practice.add_row(sc.receipt_no, sc.title, key=sc.id)
        table.focus()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # Enter opens a scenario only from the practice list

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_scenario":
            return bool(self.practice) and self.focused is not None and \
                self.focused.id == "help-scenarios"
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "help-scenarios":
            self.action_open_scenario()

    def action_open_scenario(self) -> None:
        practice = self.query_one("#help-scenarios", DataTable)
        if self.practice and practice.cursor_row is not None:
            self.app.push_screen(ScenarioModal(self.practice[practice.cursor_row]))

    def action_close(self) -> None:
        self.dismiss()


@dataclass(frozen=True)
class Scenario:
    """One practice task of ``data/scenarios.json`` in the UI language."""

    id: str
    receipt_no: str
    title: str
    steps: tuple[str, ...]
    expect: str


def practice_scenarios(app) -> list[Scenario]:
    """The practice list (training only), in the app's language; empty without demo data."""
    if not app.training:
        return []
    try:
        from cashier_tui.demo_data import DemoData

        data = DemoData.load()
    except Exception:  # no demo data: a help screen without the practice list
        return []
    lang = "zh" if app.lang == "zh" else "en"
    return [Scenario(sc["id"], sc.get("receipt_no", ""), sc.get(f"title_{lang}", ""),
                     tuple(sc.get(f"steps_{lang}", ())), sc.get(f"expect_{lang}", ""))
            for sc in data.scenarios]


class ScenarioModal(TillModal[None]):
    """One scenario: its receipt, the keys to press step by step, and what the till shows."""

    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape", "close", N_("Close"), id="scenario.close")]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        sc = self.scenario
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="scenario"):
            yield Label(sc.title, classes="dialog-title")
            with VerticalScroll(id="scenario-text"):
                yield Note(_("Receipt {receipt}").format(receipt=sc.receipt_no),
                           id="scenario-receipt")
                yield Note("\n".join(f"{n}. {step}" for n, step in enumerate(sc.steps, 1)),
                           id="scenario-steps")
                yield Note(sc.expect, id="scenario-expect")  # what the till should show
        yield Keys(id="keys")

    def on_mount(self) -> None:
        self.query_one("#scenario-text").focus()  # ↑/↓ scroll a long scenario

    def action_close(self) -> None:
        self.dismiss()
