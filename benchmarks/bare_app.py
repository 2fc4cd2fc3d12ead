"""The baseline of the start-up budget: a bare Textual app with the sign-in screen's widgets.

A title line (the till's top bar is a Label in a row), the hint, two labelled Inputs (id and
PIN, the PIN a password box) in a centred box, and a Footer with the keys. Nothing else:
no settings, no database, no translations. ``python -m benchmarks.bare_app``.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Footer, Input, Label


class BareSignIn(App[None]):
    CSS = """
    #box { width: 56; height: auto; border: round $accent; padding: 0 1; }
    Center { height: auto; }
    """
    BINDINGS = [("f1", "help", "Help"), ("f10", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Label("Sign in" + " " * 50 + "S01/T01")
        with Center(), Vertical(id="box"):
            yield Label("Scan your badge or type your cashier id, then your PIN.")
            yield Label("Cashier id")
            yield Input(id="cashier-id", max_length=20)
            yield Label("PIN")
            yield Input(id="pin", password=True, max_length=12)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cashier-id", Input).focus()


if __name__ == "__main__":
    BareSignIn().run()
