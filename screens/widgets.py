"""Small widgets every screen shares: the top bar, the training banner, the two key rows,
error lines that sit next to their field, and a labelled field."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from cashier_tui.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Give ``node`` its own bindings with descriptions in the current language.

    Binding descriptions are class-level ``N_()`` strings; each instance gets them translated
    when it is built, so the Footer, the help screen and the command palette speak the UI's
    language. (Textual copies ``_merged_bindings`` into ``_bindings`` per instance.)
    """
    translated = BindingsMap()
    for key, bindings in node._bindings.key_to_bindings.items():
        translated.key_to_bindings[key] = [
            replace(b, description=_(b.description)) if b.description else b for b in bindings
        ]
    node._bindings = translated


def shown_bindings(screen) -> list[tuple[DOMNode, Binding, bool]]:
    """The keys a cashier can use on ``screen``: (node, binding, enabled), nearest first.

    Like ``Screen.active_bindings``, except that a widget's *hidden* binding does not hide the
    screen's shown binding for the same key: Enter in an Input is Textual's own (hidden)
    submit, which the screen turns into its "Enter: look up" — so that is what is shown.
    """
    app = screen.app
    found: dict[str, tuple[DOMNode, Binding, bool]] = {}
    for node, bindings in screen._modal_binding_chain:
        for key, binding in bindings:
            if not binding.show and binding.key_display is None:
                continue
            state = app._check_action_state(binding.action, node)
            if state is False:
                continue
            if key not in found or (binding.priority and not found[key][1].priority):
                found[key] = (node, binding, bool(state))
    return list(found.values())


class KeyBar(Static):
    """One row of the footer: the current screen's keys, or the app's global keys.

    Two rows instead of Textual's one-row Footer, so that every key of the screen and every
    F-key stays visible at 80 columns, in Chinese too. Built from the screen's active
    bindings and redrawn whenever they change, like the Footer.
    """

    COMPONENT_CLASSES = {"keybar--key", "keybar--off"}

    def __init__(self, scope: str, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.scope = scope
        self.shown: list[tuple[str, str, bool]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)
        self.redraw()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, screen) -> None:
        if self.is_attached and screen is self.screen:
            self.redraw()

    def keys(self) -> list[tuple[str, str, bool]]:
        found: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for node, binding, enabled in shown_bindings(self.screen):
            if not binding.show or not binding.description or binding.action in seen:
                continue
            # The palette key ends the screen's row: the F-key row is full at 80 columns.
            global_key = node is self.app and binding.action != "command_palette"
            if global_key != (self.scope == "app"):
                continue
            seen.add(binding.action)
            found.append((self.app.get_key_display(binding), _(binding.description), enabled))
        return found

    def redraw(self) -> None:
        key_style = self.get_component_rich_style("keybar--key")
        off_style = self.get_component_rich_style("keybar--off")
        keys = self.keys()
        width = sum(Text(f"{k} {d}").cell_len for k, d, _on in keys)
        # Two spaces between keys when they fit, else one: all of them stay on screen.
        sep = "  " if width + 2 * max(0, len(keys) - 1) <= (self.size.width or 80) else " "
        text = Text(no_wrap=True, overflow="crop")
        for n, (key, description, enabled) in enumerate(keys):
            if n:
                text.append(sep)
            text.append(key, off_style if not enabled else key_style)
            text.append(" " + description, off_style if not enabled else "")
        self.shown = keys  # what the row shows now: (key, description, enabled)
        self.update(text)

    def on_resize(self) -> None:
        self.redraw()


class Keys(Vertical):
    """The bottom of every screen: screen keys above, global keys below."""

    def compose(self) -> ComposeResult:
        yield KeyBar("screen", id="screen-keys")
        yield KeyBar("app", id="app-keys")


class TopBar(Horizontal):
    """Screen title on the left; store, till and who is signed in on the right."""

    def __init__(self, title: str, where: str) -> None:
        super().__init__()
        self._title = title
        self._where = where

    def compose(self) -> ComposeResult:
        yield Label(Text(self._title), id="title")
        yield Label(Text(self._where), id="where")


class TrainingBanner(Static):
    """On every screen and dialog while the app runs in training (demo) mode."""

    def __init__(self) -> None:
        super().__init__(_("TRAINING MODE · practice only, nothing real is touched"),
                         markup=False, classes="banner")


class ErrorLine(Static):
    """A plain sentence next to the field it is about; hidden while empty."""

    def __init__(self, *, id: str | None = None, classes: str = "") -> None:
        super().__init__("", markup=False, id=id, classes=classes)

    def say(self, text: str | None) -> None:
        self.update(text or "")
        self.set_class(bool(text), "-on")

    def clear(self) -> None:
        self.say(None)

    @property
    def text(self) -> str:
        return str(self.content) if self.has_class("-on") else ""


class ChainedInput(Input):
    """An id input whose Enter hands the keys after it to the next input (the PIN).

    A badge scanner types the id and Enter, and fast typing (or a browser automation) may
    send the PIN right behind it: those keys are already queued here before the screen has
    moved the focus, so they are passed on to the PIN in order. An Enter among them is
    remembered in ``enter_ahead`` for the screen to act on once.
    """

    def __init__(self, *, next_id: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.next_id = next_id
        self.handed_over = False
        self.enter_ahead = False

    def reset_chain(self) -> None:
        self.handed_over = self.enter_ahead = False

    # Textual calls the ``_on_*`` handler of every class in the MRO (Input's own comes after
    # these, unless prevent_default() stops it): no super() calls here.
    def _on_focus(self, event) -> None:
        self.reset_chain()

    async def _on_key(self, event) -> None:
        if self.handed_over:
            character = event.character if event.is_printable else None
            if event.key != "enter" and not character:
                return
            target = self.screen.query_one(f"#{self.next_id}", HoldingInput)
            if target.feed(event.key, character):
                if self.screen.focused is target:
                    # The screen handled this box's Enter first and has moved on: nobody
                    # will look at enter_ahead, so this Enter submits the box it was for.
                    await target.action_submit()
                else:
                    self.enter_ahead = True
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter" and self.value.strip():
            self.handed_over = True  # Enter goes on to the binding: Input.Submitted


class HoldingInput(Input):
    """An input whose Enter starts a wait (the PIN while the till checks it): keys typed
    during the wait are held, not typed into this box, and handed to the next screen.

    A cashier (or a scanner) often types the PIN, Enter and the first receipt number in one
    go; without this the receipt would land in the PIN box and count as a wrong PIN.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.holding = False
        self._held: list[str] = []

    def take_held(self) -> str:
        """What was typed during the wait (``\n`` for Enter); stops holding."""
        held, self._held, self.holding = "".join(self._held), [], False
        return held

    def feed(self, key: str, character: str | None) -> bool:
        """A key typed ahead of the focus (handed on by the input before this one).
        True for an Enter that submits this box."""
        if self.holding:
            self._held.append("\n" if key == "enter" else character or "")
            return False
        if key == "enter":
            self.holding = bool(self.value.strip())
            return True
        if character:
            self.insert_text_at_cursor(character)
        return False

    async def _on_key(self, event) -> None:
        character = event.character if event.is_printable else None
        if self.holding and (event.key == "enter" or character):
            self.feed(event.key, character)
            event.stop()
            event.prevent_default()
        elif event.key == "enter" and self.value.strip():
            self.holding = True  # Enter itself goes on: Input.Submitted


class Note(Static):
    """Plain text (never markup: it may hold what the cashier typed)."""

    def __init__(self, text: str = "", *, id: str | None = None, classes: str = "") -> None:
        super().__init__(text, markup=False, id=id, classes=classes)


class Field(Vertical):
    """A label, its widget and the error line that belongs to it."""

    def __init__(self, label: str, widget: Widget, *, name: str, classes: str = "") -> None:
        super().__init__(id=f"field-{name}", classes=f"field {classes}".strip())
        self._label = label
        self._widget = widget
        self.field_name = name

    def compose(self) -> ComposeResult:
        yield Label(Text(self._label), classes="field-label")
        yield self._widget
        yield ErrorLine(id=f"err-{self.field_name}", classes="field-error")
