"""Keys typed in a burst while a screen changes reach the new screen, in order (issue
16.11): a scanner's code, Enter and the next key; an F-key and what is typed behind it.

The keys go to the driver one after the other without waiting in between (as a fast typist
or a scanner sends them), then the test waits for the app to be idle.
"""

from __future__ import annotations

import asyncio

from textual import events
from textual.keys import _character_to_key

from screens.find import FindSaleScreen
from screens.items import ItemsScreen
from screens.lookup import LookupScreen

from . import ui_fixtures as ui
from .ui_fixtures import FULL, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
SIZE = (80, 24)


def burst(app, *keys: str) -> None:
    """Every key into the driver's queue at once, as a terminal delivers a burst."""
    for key in keys:
        if len(key) == 1:
            event = events.Key(key if key.isalnum() else _character_to_key(key), key)
        else:
            event = events.Key(key, None)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_a_key_behind_a_scan_reaches_the_sale(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, LookupScreen)
        burst(app, *FULL, "enter", "i")
        await settle(pilot)
        assert isinstance(app.screen, ItemsScreen), type(app.screen).__name__
        assert app.screen.sale.receipt_no == FULL
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#code").value == ""  # nothing left behind in the box


async def test_tab_and_text_behind_f3_land_in_the_second_box(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        burst(app, "f3", "tab", *"2026-11-20")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FindSaleScreen)
        assert screen.query_one("#date_from").value == ""
        assert screen.query_one("#date_to").value == "2026-11-20"
        assert app.focused.id == "date_to"


async def test_keys_still_arrive_when_a_scheduled_hand_over_is_dropped(rig_factory,
                                                                        monkeypatch) -> None:
    """``call_after_refresh`` parks its callback on the screen shown at that moment, and a
    screen removed before it repaints drops it. The till must not stop answering its
    keyboard then: every hand-over the app schedules is dropped here, once each, and every
    key of the burst still reaches the sale."""
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        real = app.call_after_refresh
        dropped: list[object] = []

        def drop_hand_overs(callback, *args, **kwargs):
            if getattr(callback, "__name__", "") in ("_hand_over", "_after") \
                    and len(dropped) < 3:
                dropped.append(callback)
                return True  # scheduled, as far as the caller knows, and never run
            return real(callback, *args, **kwargs)

        monkeypatch.setattr(app, "call_after_refresh", drop_hand_overs)
        burst(app, *FULL, "enter", "i")
        # bounded: before the fix the keys waited for good and so would this test
        await asyncio.wait_for(settle(pilot), timeout=20)
        assert dropped, "the test dropped no hand-over: it proves nothing"
        assert isinstance(app.screen, ItemsScreen), type(app.screen).__name__
        assert not app.keys_pending
