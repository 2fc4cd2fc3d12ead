"""Snapshots of every screen and modal, in English and Chinese, at 80x24 and 120x40.

Deterministic: a fixed clock, refund numbers and idempotency keys, a fixed signing secret and
theme, no cursor blink, and every worker awaited before the screenshot. Baselines live in
``snapshots/test_snapshots/`` at the top of the repository (not tests/__snapshots__): the
``snap_compare`` fixture below is the plugin's, with a syrupy extension whose ``dirname``
points there. Update with ``pytest tests/test_snapshots.py --snapshot-update`` after looking
at ``snapshot_report.html``.
"""

from __future__ import annotations

import pickle
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import pytest_textual_snapshot as pts
from rich.console import Console

from cashier_tui.domain.views import RefundRequest

from . import ui_fixtures as ui
from .ui_fixtures import choose_reason, enter, scan, settle, sign_in

ROOT = Path(__file__).resolve().parent.parent
rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
Steps = Callable[[object], Awaitable[None]]


class RootSVGExtension(pts.SVGImageExtension):
    """SVG baselines under ROOT/snapshots/<test file stem>/."""

    @classmethod
    def dirname(cls, *, test_location) -> str:
        return str(ROOT / "snapshots" / Path(test_location.filepath).stem)


@pytest.fixture
def snap_compare(snapshot, request):
    """The plugin's ``snap_compare``, storing its baselines in ROOT/snapshots."""
    snapshot = snapshot.use_extension(RootSVGExtension)

    def compare(app, press=(), terminal_size=(80, 24), run_before=None) -> bool:
        from textual._doc import take_svg_screenshot

        svg = take_svg_screenshot(app=app, press=press, terminal_size=terminal_size,
                                  run_before=run_before)
        result = snapshot == svg
        index = snapshot.num_executions - 1
        done = snapshot.executions.get(index)
        exists = index in snapshot.executions and done and done.final_data is not None
        console = Console(legacy_windows=False, force_terminal=True)
        path, line, name = request.node.reportinfo()
        data = (result, str(snapshot), svg,
                pts.PseudoApp(pts.PseudoConsole(console.legacy_windows, console.size)),
                path, line, name, request.node.function.__doc__ or "", "", exists)
        pts.node_to_report_path(request.node).write_bytes(pickle.dumps(data))
        return result

    return compare


async def keys(pilot, *pressed: str) -> None:
    await pilot.press(*pressed)
    await settle(pilot)


async def signed_in(pilot) -> None:
    await sign_in(pilot)


async def refund_started(pilot, receipt: str, key: str = "f") -> None:
    await sign_in(pilot)
    await scan(pilot, receipt)
    await keys(pilot, key)


async def wrong_pin(pilot) -> None:
    await sign_in(pilot, pin="0000")


async def unlock(pilot) -> None:
    await sign_in(pilot, pin="0000")
    await keys(pilot, "f8")


async def unprinted(pilot) -> None:
    till = pilot.app.till  # two refunds of this till whose vouchers never printed
    for receipt in (ui.FULL, ui.CASH):
        till.process(till.commit(RefundRequest(receipt, "full", reason="defective"),
                                 ui.CASHIER).refund_no)
    await sign_in(pilot)
    await pilot.app.workers.wait_for_complete()


async def lookup_error(pilot) -> None:
    await sign_in(pilot)
    await scan(pilot, "S01-T02-20261120-9999")


async def find(pilot) -> None:
    await sign_in(pilot)
    await keys(pilot, "f3")
    await enter(pilot, "#date_from", "2026-11-20")
    await settle(pilot)


def sale(receipt: str) -> Steps:
    async def steps(pilot) -> None:
        await sign_in(pilot)
        await scan(pilot, receipt)
    return steps


async def items(pilot) -> None:
    await refund_started(pilot, ui.FULL, "i")
    await keys(pilot, "2", "down", "plus")


async def amount_error(pilot) -> None:
    await refund_started(pilot, ui.FULL, "a")
    await enter(pilot, "#amount", "200")
    await settle(pilot)


async def details(pilot) -> None:
    await refund_started(pilot, ui.MIXED)
    await choose_reason(pilot)


async def approval(pilot) -> None:
    await refund_started(pilot, ui.OLD)
    await choose_reason(pilot)
    await keys(pilot, "enter")


async def confirm(pilot) -> None:
    await details(pilot)
    await keys(pilot, "enter")


def processed(receipt: str) -> Steps:
    async def steps(pilot) -> None:
        await refund_started(pilot, receipt)
        await choose_reason(pilot)
        await keys(pilot, "enter", "y")
    return steps


async def refund_status(pilot) -> None:
    await sign_in(pilot)
    await keys(pilot, "f5", "enter")


async def journal(pilot) -> None:
    await processed(ui.DECLINE)(pilot)
    await keys(pilot, "f5")


async def report(pilot) -> None:
    await sign_in(pilot)
    await keys(pilot, "f6")


async def help_keys(pilot) -> None:
    await sale(ui.FULL)(pilot)
    await keys(pilot, "f1")


async def palette(pilot) -> None:
    await sale(ui.FULL)(pilot)
    await keys(pilot, "ctrl+p")
    for box in pilot.app.screen.query("Input"):
        box.cursor_blink = False
    await keys(pilot)


async def reset_question(pilot) -> None:
    await sign_in(pilot)
    pilot.app.action_reset_demo()  # F9 in demo mode (only a demo session enables the key)
    await settle(pilot)


async def nothing(pilot) -> None:
    await settle(pilot)


SCREENS: dict[str, tuple[Steps, dict]] = {
    "signin": (nothing, {}),
    "signin-wrong-pin": (wrong_pin, {}),
    "signin-training": (nothing, {"training": True}),
    "unlock": (unlock, {}),
    "unprinted": (unprinted, {}),
    "lookup": (signed_in, {}),
    "lookup-unknown": (lookup_error, {}),
    "find": (find, {}),
    "sale": (sale(ui.MIXED), {}),
    "sale-voided": (sale(ui.VOIDED), {}),
    "sale-outside-window": (sale(ui.OLD), {}),
    "items": (items, {}),
    "amount-error": (amount_error, {}),
    "details": (details, {}),
    "approval": (approval, {}),
    "confirm": (confirm, {}),
    "declined": (processed(ui.DECLINE), {}),
    "timeout": (processed(ui.TIMEOUT), {}),
    "done": (processed(ui.FULL), {}),
    "refund": (refund_status, {}),
    "journal": (journal, {}),
    "report": (report, {}),
    "help": (help_keys, {}),
    "palette": (palette, {}),
    "reset-question": (reset_question, {"training": True}),
}
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare, rig_factory, screen: str, lang: str, size: str) -> None:
    steps, options = SCREENS[screen]
    rig = rig_factory(lang=lang, **options)

    async def run_before(pilot) -> None:
        await settle(pilot)  # the first screen is composed before the steps start
        await steps(pilot)
        await settle(pilot)

    assert snap_compare(rig.app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("width", [81, 100])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sale_between_sizes(snap_compare, rig_factory, lang: str, width: int) -> None:
    """The sale screen between 80 and 120 columns: every column whole (issue 16.1)."""
    rig = rig_factory(lang=lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await sale(ui.MIXED)(pilot)
        await settle(pilot)

    assert snap_compare(rig.app, terminal_size=(width, 24), run_before=run_before)
