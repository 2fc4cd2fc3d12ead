"""The composition root: the one place the till's adapters are chosen (DESIGN.md §1).

:func:`build_services` turns :class:`~cashier_tui.settings.Settings` into :class:`Services`:
the database (migrated), the store's QR codec, the payment gateway (by name, from
:data:`cashier_tui.gateways.GATEWAYS`), the clock, the ``Till`` over them, and the print
service (its target by URI scheme, from :data:`printers.targets.TARGETS`). In demo mode it is
:func:`demo_services`: a private copy of the demo database, its own codec, the scripted
gateway. The app takes such a factory (``Callable[[Settings], Services]``) and calls it behind
the first paint; demo reset calls it again. Tests pass their own factory, usually
:func:`assemble` over a Till they built.

Nothing here is imported before the first paint but this module itself: every adapter is
imported inside the function that builds it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from printers.service import PrintService

    from .clock import Clock
    from .demo import DemoSession
    from .gateways.base import RefundGateway
    from .qrpayload import RefundCodec
    from .services.till import Till
    from .settings import Settings

# The payment gateway a till refunds through (a name in GATEWAYS). Issue 12 chooses one per
# payment method from the settings; until then every till uses the simulated provider.
DEFAULT_GATEWAY = "simulated"


@dataclass(frozen=True)
class Services:
    """What the app and its screens use, built once per till (again on a demo reset)."""

    till: Till
    clock: Clock
    codec: RefundCodec | None  # signs voucher QR codes and verifies scanned ones
    gateway: RefundGateway
    printer: PrintService | None  # None: the printer setting is not a printer address
    printer_problem: str = ""  # why there is no printer (the setting's error, for the cashier)
    demo: DemoSession | None = None  # demo mode's private database, closed with the services

    def close(self) -> None:
        if self.demo is not None:
            self.demo.close()
        else:
            self.till.engine.dispose()


ServicesFactory = Callable[["Settings"], Services]


def store_clock(settings: Settings) -> Clock:
    """The real clock, in the store's time zone when the settings name one."""
    from .clock import SystemClock

    return SystemClock(settings.zone())


def build_services(settings: Settings) -> Services:
    """The till's services as the settings say (blocking: run it in a worker)."""
    if settings.demo:
        return demo_services(settings)
    from .gateways import GATEWAYS
    from .services.store_keys import store_codec
    from .services.till import Till
    from .storage import migrate
    from .storage.db import make_engine

    engine = make_engine(settings.db)
    migrate.upgrade(engine)
    # The store's keys, shared through the database; this till's old secret file (if it has
    # one) becomes one of them, so the vouchers it printed before still verify.
    codec = store_codec(engine, settings.refund_url_base or None,
                        legacy_file=settings.secret_file())
    till = Till(engine=engine, gateway=GATEWAYS.get(DEFAULT_GATEWAY)(settings),
                clock=store_clock(settings), policy=settings.policy(), store=settings.store_id,
                till_id=settings.till_id, codec=codec)
    return assemble(settings, till)


def demo_services(settings: Settings, *, template: Path | None = None,
                  workdir: Path | None = None, cache_dir: Path | None = None,
                  slow_seconds: float = 3.0,
                  sleep: Callable[[float], None] = time.sleep) -> Services:
    """Demo mode: a fresh private copy of the seeded demo database (never the configured
    one). ``template``/``workdir``/``cache_dir``/``slow_seconds``/``sleep``: for tests."""
    from .demo import open_demo

    session = open_demo(settings.policy(), cache_dir=cache_dir, workdir=workdir,
                        template=template, slow_seconds=slow_seconds, sleep=sleep,
                        refund_url_base=settings.refund_url_base or None)
    return assemble(settings, session.till, demo=session)


def assemble(settings: Settings, till: Till, *, demo: DemoSession | None = None) -> Services:
    """The services around a built ``till``: its clock, codec and gateway, and the print
    service the settings name (signing with the till's codec)."""
    from printers.service import PrintService

    try:
        printer, problem = PrintService.from_settings(
            settings, training=till.training or settings.demo, codec=till.codec), ""
    except ValueError as exc:  # printing says so, from its worker; the till still runs
        printer, problem = None, str(exc)
    return Services(till=till, clock=till.clock, codec=till.codec, gateway=till.gateway,
                    printer=printer, printer_problem=problem, demo=demo)
