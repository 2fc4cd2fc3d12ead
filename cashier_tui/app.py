"""The Textual application (DESIGN.md §1, §2).

It takes the settings and a factory of :class:`~cashier_tui.composition.Services` (the
composition root: the ``Till``, the printer, the clock, the codec) and hands those to the
screens; screens reach them through ``self.app`` and never open a database or a socket.
Tests build apps with :func:`make_app` and their own factory, and never call :func:`run`.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

import screens
from screens.commands import ScreenCommands
from screens.typeahead import TypeAhead
from screens.widgets import translate_bindings

from .clock import Clock
from .composition import store_clock
from .i18n import N_, _, choose_language, set_language
from .money import format_money

if TYPE_CHECKING:
    from printers.service import PrintService

    from .composition import Services, ServicesFactory
    from .demo import DemoSession
    from .domain.views import CashierView
    from .qrpayload import RefundCodec
    from .services.till import Till
    from .settings import Settings

log = logging.getLogger(__name__)

SCREENS_DIR = Path(screens.__file__).resolve().parent  # the .tcss files ship beside them
NAV_ACTIONS = frozenset({"new_refund", "find_sale", "journal", "shift_report", "sign_out"})


class CashierApp(TypeAhead, App[int]):
    """A keyboard-only refund till."""

    TITLE = "cashier-tui"
    # Every screen's stylesheet up front: the first screen (get_default_screen) would not load
    # its own CSS_PATH, and one parse at start keeps later screens from re-styling mid-run.
    CSS_PATH = [SCREENS_DIR / "app.tcss",
                *sorted(p for p in SCREENS_DIR.glob("*.tcss") if p.name != "app.tcss")]
    COMMANDS = {ScreenCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("f1", "help", N_("Help"), priority=True, id="help"),
        Binding("f2", "new_refund", N_("New refund"), priority=True, id="new_refund"),
        Binding("f3", "find_sale", N_("Find sale"), priority=True, id="find_sale"),
        Binding("f5", "journal", N_("Journal"), priority=True, id="journal"),
        Binding("f6", "shift_report", N_("Report"), priority=True, id="shift_report"),
        Binding("f9", "reset_demo", N_("Reset"), priority=True, id="reset_demo"),
        Binding("f10", "sign_out", N_("Sign out"), priority=True, id="sign_out"),
        Binding("ctrl+p", "command_palette", N_("Commands"), priority=True,
                id="command_palette"),
    ]

    def __init__(self, settings: Settings, services: ServicesFactory, *,
                 open_in_worker: bool = False, lang: str | None = None,
                 training: bool = False, stable: bool = False) -> None:
        """``services`` builds the till's services from ``settings``: at once, or with
        ``open_in_worker`` in a worker after the sign-in screen's first paint."""
        self.lang = set_language(choose_language(lang, settings.lang))
        super().__init__()
        translate_bindings(self)
        self.settings = settings
        self._build_services = services
        self.services: Services | None = None
        self.till_ready = threading.Event()
        self._no_clock: Clock = store_clock(settings)  # until the services are there
        self.training = bool(training or settings.demo)
        self.stable = stable
        self.cashier: CashierView | None = None
        self.currency = settings.currency
        self.sweep_interval: float | None = None  # set by run(); tests never sweep
        self.export_dir: Path | None = None  # the shift report's export (default: Documents)
        self._open_in_worker = open_in_worker
        if not open_in_worker:
            self._use(services(settings))
        self.theme = "textual-dark"
        if stable:
            self.animation_level = "none"

    # --- what screens use --------------------------------------------------------------
    def where(self) -> str:
        if self.services is not None:
            place = f"{self.till.store}/{self.till.till_id}"
        else:
            place = f"{self.settings.store_id}/{self.settings.till_id}"
        if self.cashier is None:
            return place
        return f"{place} · {self.cashier.cashier_id} {self.cashier.name}"

    def money(self, minor: int, currency: str | None = None) -> str:
        return format_money(minor, currency or self.currency, self.lang)

    def _use(self, services: Services) -> None:
        self.services = services
        self.till_ready.set()

    def _opened(self) -> Services:
        if self.services is None:  # screens reach these only once signed in
            raise RuntimeError("the till is not open yet")
        return self.services

    @property
    def till(self) -> Till:
        return self._opened().till

    @property
    def clock(self) -> Clock:
        return self.services.clock if self.services is not None else self._no_clock

    @property
    def demo(self) -> DemoSession | None:
        """Demo mode's session (F9 resets it), else None."""
        return self.services.demo if self.services is not None else None

    @property
    def printer(self) -> PrintService:
        """The print service; ``ValueError`` when the printer setting is not a printer
        address (printing says so)."""
        services = self._opened()
        if services.printer is None:
            raise ValueError(services.printer_problem)
        return services.printer

    @property
    def codec(self) -> RefundCodec | None:
        """The refund QR codec (the till's: it also verifies scanned codes), or None."""
        return self._opened().codec

    def signed_in(self, cashier: CashierView, typed_ahead: str = "") -> None:
        """On to the lookup screen, with what was typed while the PIN was checked."""
        from screens.lookup import LookupScreen

        self.cashier = cashier
        self.push_screen(LookupScreen(typed_ahead=typed_ahead))
        self.refresh_bindings()
        self.offer_unprinted(cashier)

    def offer_unprinted(self, cashier: CashierView) -> None:
        """Vouchers this till never printed (a crash, the printer off) are offered once a
        cashier signs in (issue 17.9), looked up in a worker; quietly nothing on error."""

        def job() -> None:
            try:
                refunds = self.till.unprinted()
            except Exception:
                log.exception("cannot list the unprinted vouchers")
                return
            if refunds:
                self.call_from_thread(self._show_unprinted, cashier, refunds)

        self.run_worker(job, thread=True, group="unprinted", exclusive=True,
                        exit_on_error=False)

    def _show_unprinted(self, cashier: CashierView, refunds: list) -> None:
        # Not over a dialog or a refund on its way, nor for a cashier who already left.
        if self.cashier is cashier and getattr(self.screen, "ALLOW_NAVIGATION", True) and \
                not getattr(self.screen, "busy", False):
            from screens.unprinted import UnprintedModal

            self.push_screen(UnprintedModal(refunds))

    # --- screens ----------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        from screens.signin import SignInScreen

        return SignInScreen()

    def on_mount(self) -> None:
        if self._open_in_worker:  # after the sign-in screen's first paint
            self.call_after_refresh(self._open_till)
        else:
            self._till_opened()

    def _open_till(self) -> None:
        """Build the services (open the database, the Till) in a worker (DESIGN.md §10: the
        database layer is off the start path); the sign-in waits for it (:meth:`sign_in`)."""

        def job() -> None:
            try:
                services = self._build_services(self.settings)
            except Exception as exc:
                log.exception("cannot open the till")
                self.call_from_thread(self.exit, return_code=1,
                                      message=f"cashier-tui: cannot open the till: {exc}")
                return
            self._use(services)
            self.call_from_thread(self._till_opened)

        self.run_worker(job, thread=True, group="open", exit_on_error=False)

    def sign_in(self, cashier_id: str, pin: str) -> CashierView:
        """``Till.sign_in`` once the till is open (called from a worker)."""
        if not self.till_ready.wait(60):
            from .domain.errors import StoreUnavailable
            from .services.common import UNREACHABLE

            raise StoreUnavailable(UNREACHABLE)
        return self.till.sign_in(cashier_id, pin)

    def _till_opened(self) -> None:
        self.refresh_bindings()  # F9 (reset) appears once the demo is open
        if self.sweep_interval:
            self.call_after_refresh(self.sweep)
            self.set_interval(self.sweep_interval, self.sweep)

    def sweep(self) -> None:
        """Settle legs left unfinished (DESIGN.md §6), quietly, in a worker."""

        def job() -> None:
            try:
                self.till.sweep()
                if self.codec is not None:
                    self.codec.refresh()  # a key rotated at another till signs here too
            except Exception:
                log.exception("sweep failed")

        self.run_worker(job, thread=True, group="sweep", exclusive=True, exit_on_error=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NAV_ACTIONS:
            if self.cashier is None or not getattr(self.screen, "ALLOW_NAVIGATION", True):
                return False
            if getattr(self.screen, "busy", False):
                return None
        if action == "command_palette" and not getattr(self.screen, "ALLOW_NAVIGATION", True):
            return False
        if action == "reset_demo":
            return self.demo is not None and getattr(self.screen, "ALLOW_NAVIGATION", True)
        return True

    async def _unwind(self, depth: int) -> None:
        while len(self.screen_stack) > depth:
            await self.pop_screen()

    async def action_new_refund(self) -> None:
        await self._unwind(2)
        reset = getattr(self.screen, "reset", None)
        if reset:
            reset()

    def action_reset_demo(self) -> None:
        """Training: back to the seeded demo database (after a y/n question)."""
        from screens.confirm import AskModal

        async def answered(yes: bool | None) -> None:
            if yes and self.services is not None and self.services.demo is not None:
                self.services.close()  # the practice database goes; a fresh copy comes
                self._use(self._build_services(self.settings))
                await self.action_sign_out()
                self.notify(_("Training data reset."))

        self.push_screen(AskModal(_("Reset the training data? Every practice refund is "
                                    "forgotten.")), answered)

    async def action_sign_out(self) -> None:
        self.cashier = None
        await self._unwind(1)
        self.screen.reset()  # type: ignore[attr-defined]
        self.refresh_bindings()

    def _open(self, screen_type: type[Screen]) -> None:
        if not isinstance(self.screen, screen_type):
            self.push_screen(screen_type())

    def action_find_sale(self) -> None:
        from screens.find import FindSaleScreen

        self._open(FindSaleScreen)

    def action_journal(self) -> None:
        from screens.journal import JournalScreen

        self._open(JournalScreen)

    def action_shift_report(self) -> None:
        from screens.report import ShiftReportScreen

        self._open(ShiftReportScreen)

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(self.screen))

    def get_key_display(self, binding: Binding) -> str:
        key = super().get_key_display(binding)
        return key.upper() if len(key) <= 3 and key[:1] == "f" and key[1:].isdigit() else key

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=_("Type a command…"),
                                            id="--command-palette"))


def make_app(settings: Settings, services: ServicesFactory, *,
             open_in_worker: bool = False, lang: str | None = None, training: bool = False,
             stable: bool | None = None) -> CashierApp:
    """Build the app (tests call this and never ``run``).

    ``stable``: no cursor blink and no animations, for snapshots and slow terminals;
    defaults to ``settings.stable_ui`` or the ``CASHIER_TUI_STABLE_UI`` environment variable.
    """
    if stable is None:
        stable = bool(settings.stable_ui
                      or os.environ.get("CASHIER_TUI_STABLE_UI", "") not in ("", "0"))
    return CashierApp(settings, services, open_in_worker=open_in_worker, lang=lang,
                      training=training, stable=stable)


def run(settings: Settings) -> int:
    """Build the real till from settings (or the demo sandbox) and run the app."""
    from .composition import build_services

    app = make_app(settings, build_services, open_in_worker=True, training=settings.demo)
    app.sweep_interval = 60.0
    try:
        app.run()
    finally:
        if app.services is not None:
            app.services.close()
    return int(app.return_code or 0)
