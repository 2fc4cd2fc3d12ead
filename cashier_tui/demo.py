"""Demo mode for trainers (DESIGN.md §8): a seeded till that never touches anything real.

The demo database is a private SQLite file in a temporary directory, copied from a *template*
that is seeded once — through the same import path as real sales, and with the seeded refunds
made by the refund engine — and cached by the content of the demo data and the schema. Reset
copies the template again, so it takes milliseconds. The clock is fixed, refund numbers and
idempotency keys are deterministic, and the simulated gateway is scripted by ``data/``.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import as_file
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .clock import FixedClock
from .demo_data import DATA, DemoData
from .domain.policy import Policy
from .domain.views import RefundRequest
from .files import private_dir
from .gateways.simulated import SimulatedGateway

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from .qrpayload import RefundCodec
    from .services import Till


def _fingerprint() -> str:
    from .storage import migrate

    digest = hashlib.sha256(f"{__version__}:{migrate.HEAD}".encode())
    digest.update(Path(__file__).read_bytes())  # how the template is seeded is part of it
    for name in ("demo_sales.jsonl", "scenarios.json"):
        digest.update(DATA.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("cashier-tui", appauthor=False)


def build_template(path: Path, data: DemoData) -> None:
    """Seed a fresh demo database at ``path``: import the sales, add the accounts, make the
    seeded refunds through the engine."""
    from .importer import import_sales
    from .services import people
    from .storage import migrate
    from .storage.db import make_engine

    engine = make_engine(path)
    try:
        migrate.upgrade(engine)
        clock = FixedClock(data.clock)
        with as_file(DATA.joinpath("demo_sales.jsonl")) as sales_file:  # a real path
            import_sales(engine, sales_file)
        for account in data.accounts:
            people.add_cashier(engine, account["id"], account["name"], account["role"],
                               account["pin"], clock)
        till = _till(engine, data, clock, SimulatedGateway(data.gateway_script))
        seller = next(a["id"] for a in data.accounts if a["role"] == "manager")
        for seed in data.seed_refunds:
            sale = till.get_sale(seed["receipt_no"])
            by_no = {line.line_no: line.line_id for line in sale.lines}
            request = RefundRequest(
                receipt_no=seed["receipt_no"], kind=seed["kind"], reason=seed["reason"],
                items={by_no[i["line_no"]]: i["qty"] for i in seed.get("items", [])},
            )
            refund = till.commit(request, seller)
            till.process(refund.refund_no)
            if seed.get("printed"):  # the customer took the voucher home: a reprint is a reprint
                till.mark_printed(refund.refund_no, reprint=False, ok=True, detail="seeded",
                                  cashier_id=seller)
    finally:
        engine.dispose()


def template_path(cache_dir: Path | None = None) -> Path:
    """The seeded template for this version of the demo data, built on first use."""
    cache = cache_dir or _cache_dir()
    target = cache / f"demo-{_fingerprint()}.db"
    if not target.exists():
        private_dir(cache)
        with tempfile.TemporaryDirectory(dir=cache) as scratch:
            built = Path(scratch) / "demo.db"
            build_template(built, DemoData.load())
            _checkpoint(built)
            built.replace(target)  # atomic: a half-built template is never used
    return target


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so one file copy is the whole database."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _till(engine: Engine, data: DemoData, clock: FixedClock, gateway: SimulatedGateway,
          policy: Policy | None = None, codec: RefundCodec | None = None) -> Till:
    from .services import Till

    # Deterministic keys that continue after the legs already in the (copied) database.
    with engine.connect() as conn:
        made = conn.exec_driver_sql("SELECT count(*) FROM refund_leg").scalar_one()
    keys = itertools.count(made + 1)
    return Till(engine=engine, gateway=gateway, clock=clock, policy=policy or Policy(),
                store=data.store, till_id=data.till, training=True,
                new_key=lambda: f"DEMO-{next(keys):06d}", codec=codec)


@dataclass
class DemoSession:
    """A trainer's till: its own database file, clock and gateway. A reset (F9) closes it and
    opens a new one (:func:`cashier_tui.composition.demo_services`): a fresh copy.

    ``slow_seconds`` and ``sleep`` drive the scripted slow provider (tests pass a ``sleep``
    that waits on an event they control instead of the clock). The till's QR codec is the
    demo database's own store key (made in the private copy, never elsewhere), its vouchers'
    links under ``refund_url_base``."""

    workdir: Path
    template: Path
    data: DemoData = field(default_factory=DemoData.load)
    policy: Policy | None = None
    slow_seconds: float = 3.0
    owns_workdir: bool = False
    sleep: Callable[[float], None] = time.sleep
    refund_url_base: str | None = None
    till: Till = field(init=False)

    def __post_init__(self) -> None:
        self.till = self._fresh_till()

    @property
    def db_path(self) -> Path:
        return self.workdir / "demo.db"

    def _fresh_till(self) -> Till:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.db_path)
        self.db_path.chmod(0o600)
        from .services.store_keys import store_codec
        from .storage.db import make_engine

        engine = make_engine(self.db_path)
        clock = FixedClock(self.data.clock)
        gateway = SimulatedGateway(self.data.gateway_script, slow_seconds=self.slow_seconds,
                                   sleep=self.sleep)
        codec = store_codec(engine, self.refund_url_base, clock=clock)
        return _till(engine, self.data, clock, gateway, self.policy, codec)

    def close(self) -> None:
        self.till.engine.dispose()
        self.till.gateway.close()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def open_demo(policy: Policy | None = None, *, cache_dir: Path | None = None,
              workdir: Path | None = None, template: Path | None = None,
              slow_seconds: float = 3.0, sleep: Callable[[float], None] = time.sleep,
              refund_url_base: str | None = None) -> DemoSession:
    """A demo session in a private temporary directory (never the configured database)."""
    template = template or template_path(cache_dir)
    work = workdir or Path(tempfile.mkdtemp(prefix="cashier-demo-"))
    return DemoSession(work, template, policy=policy, slow_seconds=slow_seconds, sleep=sleep,
                       refund_url_base=refund_url_base, owns_workdir=workdir is None)
