"""A real till for the Pilot flows and the snapshots: SQLite file, migrations, sales through
the importer, cashiers through the people service, the simulated gateway, a fixed clock.

The seeded database is built once per session and copied for each test (scrypt PINs and
migrations are the slow part); every test gets its own copy, gateway and app.
"""

from __future__ import annotations

import copy
import itertools
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cashier_tui.app import CashierApp, make_app
from cashier_tui.clock import FixedClock
from cashier_tui.composition import assemble
from cashier_tui.domain.policy import Policy
from cashier_tui.domain.views import REASONS, RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage import migrate
from cashier_tui.storage.db import make_engine

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=CST)
CASHIER, CASHIER_PIN, CASHIER_NAME = "C001", "1357", "Li Na"
MANAGER, MANAGER_PIN = "M001", "2468"
SECRET = b"0123456789abcdef0123456789abcdef"

R = "S01-T02-20261120-"
FULL = R + "0001"  # card, two lines: 保温杯 2 x 59.00 - 10.00, USB-C cable 25.00
MIXED = R + "0002"  # card 60.00 + cash 48.00
VOIDED = R + "0003"
OLD = "S01-T02-20261006-0004"  # 45 days old: outside the 30-day window
BIG = R + "0005"  # 800.00: over the approval threshold
DECLINE = R + "0006"  # the provider declines the first attempt
TIMEOUT = R + "0007"  # the provider's answer is lost; a retry settles it
WECHAT = R + "0008"
CASH = R + "0009"
DONE = R + "0010"  # fully refunded in the seed

SCRIPT = {"AUTH-DECLINE-01": "decline_once", "AUTH-TIMEOUT-01": "timeout_then_success"}


def _sale(no: str, lines: list[tuple[str, int, str, str]], payments: list[dict], *,
          sold_at: datetime | None = None, status: str = "completed") -> dict:
    return {
        "receipt_no": no, "sold_at": (sold_at or NOW - timedelta(minutes=57)).isoformat(),
        "store": "S01", "till": "T02", "cashier": "C007", "currency": "CNY", "status": status,
        "lines": [{"sku": f"SKU-{i + 1:04d}", "name": name, "qty": qty,
                   "unit_price": price, "discount": discount}
                  for i, (name, qty, price, discount) in enumerate(lines)],
        "payments": payments,
    }


def card(amount: str, ref: str, last4: str = "4321") -> dict:
    return {"method": "card", "amount": amount, "reference": ref, "card_last4": last4}


THERMOS = ("保温杯 500ml", 2, "59.00", "10.00")
CABLE = ("USB-C cable 1m", 1, "25.00", "0.00")
SALES = [
    _sale(FULL, [THERMOS, CABLE], [card("133.00", "AUTH-OK-0001")]),
    _sale(MIXED, [THERMOS], [card("60.00", "AUTH-OK-0002", "8765"),
                             {"method": "cash", "amount": "48.00"}]),
    _sale(VOIDED, [CABLE], [card("25.00", "AUTH-OK-0003")], status="voided"),
    _sale(OLD, [("Rain jacket 雨衣", 1, "88.00", "0.00")], [card("88.00", "AUTH-OK-0004")],
          sold_at=NOW - timedelta(days=45)),
    _sale(BIG, [("Espresso machine 咖啡机", 1, "800.00", "0.00")],
          [card("800.00", "AUTH-OK-0005")]),
    _sale(DECLINE, [CABLE], [card("25.00", "AUTH-DECLINE-01", "1111")]),
    _sale(TIMEOUT, [CABLE], [card("25.00", "AUTH-TIMEOUT-01", "2222")]),
    _sale(WECHAT, [("Green tea 绿茶 x6", 1, "36.50", "0.00")],
          [{"method": "wechat", "amount": "36.50", "reference": "WX-0000008"}]),
    _sale(CASH, [("Notebook A5", 2, "10.00", "0.00")], [{"method": "cash", "amount": "20.00"}]),
    _sale(DONE, [CABLE], [card("25.00", "AUTH-OK-0010")]),
]


def settings(tmp: Path, lang: str = "en", **overrides: Any) -> Any:
    """Settings for a test app: the real ``load_settings`` when it is there."""
    values = {**dict(db=str(tmp / "till.db"), printer="preview", printer_profile="TM-T20II",
                     lang=lang, store_id="S01", till_id="T01", currency="CNY", demo=False,
                     secret_path=str(tmp / "secret"), refund_url_base=None,
                     store_header=["Demo Store 示范店"]), **overrides}
    try:
        from cashier_tui.settings import load_settings
    except ImportError:
        return SimpleNamespace(**values, policy=Policy)
    return load_settings(None, **values)


def _build(path: Path, tmp: Path) -> None:
    from cashier_tui.importer import import_sales
    from cashier_tui.services.people import add_cashier

    engine = make_engine(path)
    migrate.upgrade(engine)
    jsonl = tmp / "sales.jsonl"
    jsonl.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in SALES),
                     encoding="utf-8")
    import_sales(engine, jsonl)
    clock = FixedClock(NOW - timedelta(minutes=30))
    add_cashier(engine, CASHIER, CASHIER_NAME, "cashier", CASHIER_PIN, clock)
    add_cashier(engine, MANAGER, "Wang Fang", "manager", MANAGER_PIN, clock)
    add_cashier(engine, "C002", "Zhao Lei", "cashier", "1111", clock)
    till = Till(engine=engine, gateway=SimulatedGateway(), clock=clock, store="S01",
                till_id="T00", new_key=lambda: "seed-key-1")
    refund = till.commit(RefundRequest(receipt_no=DONE, kind="full", reason="defective"),
                         CASHIER)
    till.process(refund.refund_no)
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ui-seed")
    path = tmp / "seed.db"
    _build(path, tmp)
    return path


@dataclass
class Rig:
    """What a flow test holds: the app and the real pieces behind it."""

    app: CashierApp
    till: Till
    clock: FixedClock
    gateway: SimulatedGateway
    tmp: Path


def make_rig(seed: Path, tmp: Path, *, lang: str = "en", training: bool = False,
             script: dict[str, str] | None = None, policy: Policy | None = None,
             **settings_overrides: Any) -> Rig:
    from cashier_tui.qrpayload import RefundCodec

    tmp.mkdir(parents=True, exist_ok=True)
    db = tmp / "till.db"
    shutil.copyfile(seed, db)
    engine = make_engine(db)
    clock = FixedClock(NOW)
    gateway = SimulatedGateway(copy.deepcopy(script if script is not None else SCRIPT))
    keys = (f"key-{n:04d}" for n in itertools.count(1))
    till = Till(engine=engine, gateway=gateway, clock=clock, policy=policy or Policy(),
                store="S01", till_id="T01", training=training, new_key=lambda: next(keys),
                codec=RefundCodec(SECRET))
    app = make_app(settings(tmp, lang, **settings_overrides), lambda s: assemble(s, till),
                   lang=lang, training=training, stable=True)
    return Rig(app, till, clock, gateway, tmp)


@pytest.fixture
def rig_factory(seeded_db: Path, tmp_path: Path):
    made: list[Rig] = []

    def factory(**kw: Any) -> Rig:
        rig = make_rig(seeded_db, tmp_path / f"rig{len(made)}", **kw)
        made.append(rig)
        return rig

    yield factory
    for rig in made:
        rig.till.engine.dispose()


async def sign_in(pilot, who: str = CASHIER, pin: str = CASHIER_PIN, *,
                  typed: bool = False) -> None:
    """Enter the id and the PIN, and wait for the answer. ``typed``: key by key, as a person
    types (slow in Pilot); otherwise as a badge scanner does, all at once."""
    if typed:
        await pilot.press(*who, "enter", *pin, "enter")
    else:
        await enter(pilot, "#cashier-id", who)
        await enter(pilot, "#pin", pin)
    await settle(pilot)


async def enter(pilot, selector: str, text: str) -> None:
    """What a barcode scanner does: the whole code into the focused input, then Enter."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    widget.value = text
    await pilot.pause()
    await pilot.press("enter")


async def scan(pilot, code: str) -> None:
    await enter(pilot, "#code", code)
    await settle(pilot)


async def settle(pilot) -> None:
    """Let workers finish, their messages land and every key typed reach its screen (never
    sleep)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    while getattr(pilot.app, "keys_pending", False):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


async def choose_reason(pilot, reason: str = "defective") -> None:
    """Open the reason list with Space, move down to ``reason``, Enter."""
    pilot.app.screen.query_one("#reason").focus()
    await pilot.press("space", *["down"] * (REASONS.index(reason) + 1), "enter")
    await settle(pilot)


async def choose_cash(pilot) -> None:
    pilot.app.screen.query_one("#payout").focus()
    await pilot.press("space", "down", "enter")
    await settle(pilot)


async def confirm_full_refund(pilot, receipt: str) -> None:
    """Sign in, scan, full refund, a reason, Enter, y: on to the processing screen."""
    await sign_in(pilot)
    await scan(pilot, receipt)
    await pilot.press("f")
    await settle(pilot)
    await choose_reason(pilot)
    await pilot.press("enter", "y")
    await settle(pilot)
