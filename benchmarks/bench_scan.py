"""Scan to sale screen shown, with a million sales in SQLite (DESIGN.md §10).

The real app (``cashier_tui.app.make_app``, the real screens, a ``Till`` on the cached
1,000,000-sale database) runs headless under Pilot at 80x24, signed in (``app.signed_in``,
what the sign-in screen calls, so the cached database is not written). For each scan the
receipt number is put into the lookup box, as a keyboard-wedge scanner types it, and the
clock starts as Enter is pressed. It stops at the first frame of the sale screen: the first
call of ``App._display`` for a ``SaleScreen`` (in a terminal that frame is then written
out; headless, Textual composes it and skips the write). Escape goes back for the next one.
Receipts are drawn at random from the whole database (cold pages, as at a real till); the
first few scans are warm-up (they import the sale screen's modules) and are reported apart.

Budget: median under 50 ms. The detail line gives ``Till.lookup`` alone (sale + lines +
tenders + the view) on the same receipts.

    python -m benchmarks.bench_scan [--quick] [--scans N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from pathlib import Path

from . import gen_db
from .common import Result, bench_dir, log, median, spread, under

LIMIT_MS = 50.0
SALES = 1_000_000
WARMUP = 3


def make_till(path: Path):
    from cashier_tui.clock import FixedClock
    from cashier_tui.gateways.simulated import SimulatedGateway
    from cashier_tui.services.till import Till
    from cashier_tui.storage.db import make_engine

    return Till(engine=make_engine(path), gateway=SimulatedGateway(),
                clock=FixedClock(gen_db.NOW))


def make_settings(work: Path):
    from cashier_tui.settings import load_settings

    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.toml"
    config.write_text("")  # an empty settings file: defaults, whatever the user has
    return load_settings(str(config), lang="en", secret_path=str(work / "secret.key"),
                         db=str(work / "unused.db"))


async def drive(app, codes: list[str]) -> list[float]:
    """Scan each code from the lookup screen; the seconds from Enter to the sale screen's
    first frame."""
    from textual.widgets import Input

    from cashier_tui.domain.views import CashierView
    from screens.lookup import LookupScreen

    shown: dict[str, float] = {}
    first_frame = asyncio.Event()
    display = app._display

    def watch(screen, renderable) -> None:  # App._display: a frame for the terminal
        if type(screen).__name__ == "SaleScreen" and not first_frame.is_set():
            shown["at"] = time.perf_counter()
            first_frame.set()
        display(screen, renderable)

    app._display = watch
    times = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # the sign-in screen is up
        app.signed_in(CashierView(gen_db.CASHIER[0], gen_db.CASHIER[1], "cashier"))
        for code in codes:
            while not (isinstance(app.screen, LookupScreen) and app.screen.query("#code")):
                await pilot.pause()
            box = app.screen.query_one("#code", Input)
            box.focus()
            box.value = code
            await pilot.pause()
            first_frame.clear()
            started = time.perf_counter()
            await pilot.press("enter")
            await asyncio.wait_for(first_frame.wait(), 30)
            times.append(shown["at"] - started)
            await pilot.press("escape")
        await app.workers.wait_for_complete()
    return times


def measure(scans: int, sales: int = SALES, seed: int = 11) -> Result:
    from cashier_tui.app import make_app
    from cashier_tui.composition import assemble

    path = gen_db.sales_db(sales)
    codes = random.Random(seed).sample(gen_db.receipts(sales), scans + WARMUP)
    till = make_till(path)
    try:
        app = make_app(make_settings(bench_dir() / "work" / "scan"),
                       lambda s: assemble(s, till), lang="en", stable=True)
        times = asyncio.run(drive(app, codes))
        lookups = []
        for code in codes[WARMUP:]:
            started = time.perf_counter()
            till.lookup(code)
            lookups.append(time.perf_counter() - started)
    finally:
        till.engine.dispose()
    warm, shown = times[:WARMUP], times[WARMUP:]
    return under(f"scan to sale screen ({sales:,} sales)", median(shown) * 1000, LIMIT_MS,
                 "ms", f"{len(shown)} scans {spread(shown, 1000)} ms; first scans "
                 f"{', '.join(f'{t * 1000:.0f}' for t in warm)} ms; Till.lookup alone median "
                 f"{median(lookups) * 1000:.2f} ms")


def run(quick: bool = False) -> list[Result]:
    return [measure(10, 20_000) if quick else measure(60)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_scan")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scans", type=int)
    parser.add_argument("--sales", type=int, default=SALES)
    args = parser.parse_args(argv)
    results = run(args.quick) if args.scans is None else [measure(args.scans, args.sales)]
    from .report import table

    print(table(results))
    log("")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
