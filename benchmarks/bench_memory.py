"""Peak memory of the app with the 1,000,000-sale database, and no growth over 100 refunds.

A child process (so that its peak is the app's alone) opens a private copy of the cached
database as a till does on a normal start (``make_engine``, the schema head check, a
``Till``), builds the real app (``make_app``) and runs it headless under Pilot at 80x24:
signed in, a receipt scanned, the sale screen shown. Then 250 refunds, each through the
screens as far as the sale screen (scan, sale screen, back) and then ``Till.commit`` and
``Till.process`` (the simulated provider keeps its ledger in a file, not in this process).

Figures, from /proc/self/status: the peak (VmHWM) over the whole run; the resident size
(VmRSS) after refund 150 and after refund 250, and the count of live Python objects at both
points. The first 150 are warm-up: Textual keeps the render caches of up to 1024 widgets
alive through an ``lru_cache(1024)`` on ``StylesCache.get_inner_outer`` (an instance method,
so its keys hold the widgets' StylesCache), ~11 KB each, ~8 widgets a sale screen: bounded,
and full after ~130 scans. Budgets: peak under 150 MB; growth over the last 100 refunds
under 2 MB (SQLite's page cache per pooled connection is bounded at 2 MB and allocators keep
some slack; a leak of a few KB per refund shows as a steady climb, and in the object count).

    python -m benchmarks.bench_memory [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import subprocess
import sys
from pathlib import Path

from . import gen_db
from .common import PYTHON, ROOT, Result, bench_dir, bench_env, log, under

PEAK_MB = 150.0
GROWTH_MB = 2.0
SALES = 1_000_000
WARMUP, REFUNDS = 150, 100


def status() -> dict[str, float]:
    """VmHWM and VmRSS of this process in MB."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0]) / 1024
    return out


async def drive(app, till, requests: list, marks: tuple[int, int]) -> dict[str, float]:
    from textual.widgets import Input

    from cashier_tui.domain.views import CashierView
    from screens.lookup import LookupScreen

    async def scan(pilot, code: str) -> None:
        while not (isinstance(app.screen, LookupScreen) and app.screen.query("#code")):
            await pilot.pause()
        box = app.screen.query_one("#code", Input)
        box.focus()
        box.value = code
        await pilot.press("enter")
        while type(app.screen).__name__ != "SaleScreen":
            await pilot.pause()
        await pilot.pause()

    figures: dict[str, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.signed_in(CashierView(gen_db.CASHIER[0], gen_db.CASHIER[1], "cashier"))
        await scan(pilot, requests[0].receipt_no)
        figures["after_first_scan_rss"] = status()["VmRSS"]
        await pilot.press("escape")
        for n, request in enumerate(requests, start=1):
            await scan(pilot, request.receipt_no)
            refund = till.commit(request, gen_db.CASHIER[0])
            till.process(refund.refund_no)
            await pilot.press("escape")
            if n in marks:
                await app.workers.wait_for_complete()
                gc.collect()
                mark = "warm" if n == marks[0] else "end"
                figures[f"{mark}_rss"] = status()["VmRSS"]
                figures[f"{mark}_objects"] = len(gc.get_objects())
        await app.workers.wait_for_complete()
    figures["peak"] = status()["VmHWM"]
    return figures


def child(db: Path, ledger: Path, warmup: int, refunds: int) -> dict[str, float]:
    """The measured process: the app over ``db``; prints its figures as JSON."""
    from cashier_tui.app import make_app
    from cashier_tui.clock import FixedClock
    from cashier_tui.composition import assemble
    from cashier_tui.gateways.simulated import SimulatedGateway
    from cashier_tui.services.till import Till
    from cashier_tui.storage import migrate
    from cashier_tui.storage.db import make_engine

    from .bench_commit import lenient_policy
    from .bench_commit import requests as refund_requests
    from .bench_scan import make_settings

    start = status()["VmRSS"]
    engine = make_engine(db)
    migrate.upgrade(engine)  # the cheap head check of every start
    till = Till(engine=engine, gateway=SimulatedGateway(ledger_path=ledger),
                clock=FixedClock(gen_db.NOW), policy=lenient_policy())
    app = make_app(make_settings(bench_dir() / "work" / "memory"), lambda s: assemble(s, till),
                   lang="en", stable=True)
    requests = refund_requests(db, warmup + refunds)
    random.Random(3).shuffle(requests)
    figures = asyncio.run(drive(app, till, requests, (warmup, warmup + refunds)))
    figures["start_rss"] = start
    engine.dispose()
    return figures


def measure(sales: int = SALES, warmup: int = WARMUP, refunds: int = REFUNDS) -> list[Result]:
    work = bench_dir() / "work"
    db = gen_db.copy_db(gen_db.sales_db(sales), work / f"memory-{sales}.db")
    ledger = work / "memory-ledger.db"
    ledger.unlink(missing_ok=True)
    log(f"memory: the app over a copy of {db.name}")
    proc = subprocess.run([PYTHON, "-m", "benchmarks.bench_memory", "--child", str(db),
                           str(ledger), str(warmup), str(refunds)], cwd=ROOT, env=bench_env(),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed:\n{proc.stderr[-3000:]}")
    f = json.loads(proc.stdout.strip().splitlines()[-1])
    for path in (db, ledger):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    growth = f["end_rss"] - f["warm_rss"]
    objects = int(f["end_objects"] - f["warm_objects"])
    return [
        under(f"peak memory ({sales:,} sales)", f["peak"], PEAK_MB, "MB",
              f"VmHWM over start, a scan, the sale screen and {warmup + refunds} refunds; "
              f"RSS at start {f['start_rss']:.0f} MB, after the first scan "
              f"{f['after_first_scan_rss']:.0f} MB"),
        under(f"memory growth over {refunds} refunds", max(growth, 0.0), GROWTH_MB, "MB",
              f"VmRSS {f['warm_rss']:.1f} -> {f['end_rss']:.1f} MB after refund {warmup} -> "
              f"{warmup + refunds}; live Python objects {objects:+d}"),
    ]


def run(quick: bool = False) -> list[Result]:
    return measure(20_000, warmup=10, refunds=10) if quick else measure()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_memory")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        db, ledger, warmup, refunds = args.child
        print(json.dumps(child(Path(db), Path(ledger), int(warmup), int(refunds))))
        return 0
    from .report import table

    print(table(run(args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
