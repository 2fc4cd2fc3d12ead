"""Help (F1): every key of the screen it was opened over, built from that screen's bindings
(so it can never disagree with the Footer); in training, the practice scenarios too."""

from __future__ import annotations

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
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under
        # Read now, while ``under`` is still the active screen: its keys as the cashier sees
        # them (the F-keys switch off while any modal, this one too, is open).
        self.rows = screen_keys(self.app, under)

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Vertical(classes="dialog", id="help"):
            title = getattr(self.under, "TITLE", "")
            yield Label(_("Keys: {screen}").format(screen=_(title)) if title else _("Keys"),
                        classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", show_header=False)
            scenarios = self.scenarios()
            if scenarios:
                with VerticalScroll(id="help-scenarios"):
                    yield Note(scenarios)
        yield Keys(id="keys")

    def scenarios(self) -> str:
        if not self.app.training:
            return ""
        try:
            from cashier_tui.demo import DemoData

            data = DemoData.load()
        except Exception:
            return ""
        lang = "zh" if self.lang == "zh" else "en"
        rows = [_("Practice: scan these receipts")]
        for sc in data.scenarios:
            rows.append(f"  {sc.get('receipt_no', ''):>6}  {sc.get(f'title_{lang}', '')}")
        return "\n".join(rows)

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_column("key", width=8)
        table.add_column("action", width=40)
        for key, text, enabled in self.rows:
            table.add_row(key, text if enabled else _("{action} (not now)").format(action=text))
        table.focus()

    def action_close(self) -> None:
        self.dismiss()
