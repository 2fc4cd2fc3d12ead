"""What every screen of the till shares: the chrome, translated keys, and calling the Till.

Screens never touch a database or a socket: they call ``self.app.till`` from a thread worker
(:meth:`TillScreen.call_till`) that only posts a :class:`TillDone` message; the screen changes
in ``till_<tag>`` (success) or ``till_<tag>_failed`` (error) handlers on the UI thread.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, get_current_worker

from cashier_tui.i18n import N_, _
from cashier_tui.money import format_money

from .texts import error_text
from .widgets import ErrorLine, Keys, TopBar, TrainingBanner, translate_bindings

ResultT = TypeVar("ResultT")
log = logging.getLogger("cashier_tui.screens")

if TYPE_CHECKING:
    from cashier_tui.app import CashierApp
    from cashier_tui.services.till import Till


class TillDone(Message):
    """A Till call finished (in a worker): ``value`` or ``error``."""

    def __init__(self, tag: str, value: Any = None, error: BaseException | None = None) -> None:
        super().__init__()
        self.tag = tag
        self.value = value
        self.error = error


class TillMixin:
    """Till calls in thread workers, money in the UI language, translated keys."""

    app: CashierApp

    def _setup(self) -> None:
        translate_bindings(self)

    def on_screen_resume(self) -> None:
        # Support reads the log to see what a till showed (never what was typed in it).
        # Logged after the next refresh: the screen is painted and its box has the focus.
        self.call_after_refresh(log.info, "screen shown: %s", type(self).__name__)

    @property
    def till(self) -> Till:
        return self.app.till

    @property
    def lang(self) -> str:
        return self.app.lang

    def money(self, minor: int, currency: str) -> str:
        return format_money(minor, currency, self.lang)

    def call_till(self, tag: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        """Run ``fn(*args, **kwargs)`` in a thread; the answer comes back as ``TillDone``.

        One worker per tag at a time: a newer call of the same tag replaces an older one,
        whose answer is then dropped (a newer quote wins over an older one).
        """

        def job() -> None:
            try:
                value = fn(*args, **kwargs)
            except Exception as exc:  # every failure becomes a sentence on screen
                if not get_current_worker().is_cancelled:
                    self.post_message(TillDone(tag, error=exc))
                return
            if not get_current_worker().is_cancelled:
                self.post_message(TillDone(tag, value=value))

        return self.run_worker(
            job, name=tag, group=f"till-{tag}", thread=True, exclusive=True,
            exit_on_error=False,
        )

    def on_till_done(self, message: TillDone) -> None:
        message.stop()
        try:
            if message.error is None:
                getattr(self, f"till_{message.tag}")(message.value)
                return
            handler = getattr(self, f"till_{message.tag}_failed", None)
            if handler is not None:
                handler(message.error)
            else:
                self.show_error(error_text(message.error, self.lang))
        except Exception as exc:  # a sentence on screen, never a traceback at the till
            self.show_error(error_text(exc, self.lang))

    def typed(self, selector: str) -> str:
        """An input's text, trimmed and half-width: a scanner or an IME in full-width mode
        types ``Ｓ０１－…`` and ``１２３４`` (so the inputs restrict nothing themselves)."""
        return unicodedata.normalize("NFKC", self.query_one(selector, Input).value).strip()

    def show_error(self, text: str | None) -> None:
        """The screen's main error line (fields have their own)."""
        for line in self.query("#error").results(ErrorLine):
            line.say(text)

    def stable_inputs(self) -> None:
        if self.app.stable:
            for widget in self.query(Input):
                widget.cursor_blink = False


class TillScreen(TillMixin, Screen):
    """A full screen: top bar, training banner, the body, and the two key rows."""

    TITLE = ""
    # Global F-keys (new refund, journal, ...) may leave this screen.
    ALLOW_NAVIGATION = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup()

    def compose(self) -> ComposeResult:
        if self.app.training:
            yield TrainingBanner()
        yield TopBar(_(self.TITLE) if self.TITLE else "", self.app.where())
        yield from self.body()
        yield Keys(id="keys")

    def body(self) -> Iterable[Widget]:
        return ()

    def on_mount(self) -> None:
        self.stable_inputs()

    @property
    def busy(self) -> bool:
        """True while leaving the screen would abandon work (processing a refund)."""
        return False


class TillModal(TillMixin, ModalScreen[ResultT]):
    """A modal dialog; the global F-keys are off while it is open, except help."""

    ALLOW_NAVIGATION = False
    BINDINGS = [Binding("f1", "app.help", N_("Help"), id="modal.help")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup()

    def compose_chrome(self) -> Iterable[Widget]:
        if self.app.training:
            yield TrainingBanner()

    def on_mount(self) -> None:
        self.stable_inputs()

    @property
    def busy(self) -> bool:
        return False
