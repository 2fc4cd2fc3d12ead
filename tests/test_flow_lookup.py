"""Pilot flows: signing in, scanning, and what the sale screen says (DESIGN.md §2, 0-2)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from textual import events

from cashier_tui.storage.db import read_tx
from cashier_tui.storage.models import AuditEvent
from screens.lookup import LookupScreen
from screens.refund import RefundScreen
from screens.sale import SaleScreen
from screens.signin import SignInScreen
from screens.unlock import UnlockModal
from screens.widgets import ChainedInput, ErrorLine

from . import ui_fixtures as ui
from .ui_fixtures import CASHIER, DONE, FULL, MANAGER, OLD, VOIDED, enter, scan, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures

SIZE = (80, 24)


def said(app, selector: str = "#error") -> str:
    return app.screen.query_one(selector, ErrorLine).text


async def test_sign_in_opens_the_lookup_with_the_input_focused(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen)
        assert app.focused.id == "cashier-id"
        await sign_in(pilot, typed=True)
        assert isinstance(app.screen, LookupScreen)
        assert app.focused.id == "code"
        assert app.cashier.cashier_id == CASHIER


async def test_a_pin_typed_ahead_signs_in_when_the_screen_moved_on_first(rig_factory) -> None:
    """A badge scan with the PIN right behind it: the keys after the id's Enter are queued in
    the id box and handed on to the PIN box. When the screen has handled that Enter first
    (the focus is on the PIN box already), the PIN's own Enter must still sign in."""
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        id_box = screen.query_one("#cashier-id", ChainedInput)
        id_box.value, id_box.handed_over = CASHIER, True  # its Enter was pressed
        screen.set_focus(screen.query_one("#pin"))  # and the screen has moved on
        await pilot.pause()
        for key in [*ui.CASHIER_PIN, "enter"]:  # still queued in the id box
            id_box.post_message(events.Key(key, "\r" if key == "enter" else key))
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.cashier.cashier_id == CASHIER


async def test_wrong_pin_says_how_many_tries_are_left(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, pin="0000")
        assert isinstance(app.screen, SignInScreen)
        assert said(app, "#err-pin") == "Wrong PIN. 4 tries left before the account locks."
        assert app.focused.id == "pin"
        assert app.screen.query_one("#pin").value == ""
        for left in (3, 2):
            await sign_in(pilot, pin="0000")
            assert said(app, "#err-pin").startswith(f"Wrong PIN. {left} tries left")
        await sign_in(pilot, pin="0000")
        assert said(app, "#err-pin") == "Wrong PIN. 1 try left before the account locks."


async def lock_out(pilot, who: str) -> None:
    """Five wrong PINs for ``who``, each typed into a cleared sign-in screen."""
    for _ in range(5):
        pilot.app.screen.reset()
        await sign_in(pilot, who=who, pin="0000")


async def test_five_wrong_pins_lock_the_account_until_a_time(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await lock_out(pilot, CASHIER)
        assert said(app, "#err-pin") == ("This account is locked until 15:05. Wait, or ask a "
                                         "manager to unlock it.")
        app.screen.reset()
        await sign_in(pilot)  # the right PIN does not open a locked account
        assert isinstance(app.screen, SignInScreen)
        assert "locked until 15:05" in said(app, "#err-pin")


async def test_unknown_cashier_is_said_next_to_the_id(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, who="X999", pin="1234")
        # Not "no cashier with this id": the till does not say which ids exist (17.9).
        assert said(app, "#err-cashier") == "Wrong id or PIN. Check both and try again."


async def test_a_locked_manager_is_told_to_ask_another_manager(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await lock_out(pilot, MANAGER)
        assert said(app, "#err-pin") == ("This account is locked until 15:05. Wait, or ask "
                                         "another manager to unlock it.")


async def test_a_manager_unlocks_a_locked_account_at_the_till(rig_factory) -> None:
    """Issue 16.7: F8 on the sign-in screen; the locked id, then a manager's id and PIN."""
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            app.screen.reset()
            await sign_in(pilot, pin="0000")
        assert "locked until" in said(app, "#err-pin")
        await pilot.press("f8")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, UnlockModal)
        assert modal.query_one("#locked-id").value == CASHIER  # the id typed on sign-in
        assert app.focused.id == "manager-id"
        await enter(pilot, "#manager-id", MANAGER)
        await enter(pilot, "#manager-pin", "0000")  # a wrong manager PIN unlocks nothing
        await settle(pilot)
        assert said(app, "#err-manager_pin") == ("Wrong PIN. 4 tries left before the account "
                                                 "locks.")
        await enter(pilot, "#manager-id", MANAGER)
        await enter(pilot, "#manager-pin", ui.MANAGER_PIN)
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert said(app, "#signin-status") == "C001 is unlocked: type the PIN to sign in."
        assert app.focused.id == "pin"
        await enter(pilot, "#pin", ui.CASHIER_PIN)
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
    with read_tx(rig.till.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "unlocked")).one()
        actor, detail = event.actor, event.detail
    assert actor == MANAGER and json.loads(detail) == {
        "cashier_id": CASHIER, "was_locked": True, "via": "till"}


async def test_unlocking_an_unknown_id_says_so_and_escape_changes_nothing(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await settle(pilot)
        assert app.focused.id == "locked-id"
        await pilot.press("enter")  # nothing typed: on to the manager, who is asked for it
        await enter(pilot, "#manager-id", MANAGER)
        await enter(pilot, "#manager-pin", ui.MANAGER_PIN)
        await settle(pilot)
        assert said(app, "#err-locked") == "Type the id of the locked account."
        await enter(pilot, "#locked-id", "X999")
        await enter(pilot, "#manager-id", MANAGER)
        await enter(pilot, "#manager-pin", ui.MANAGER_PIN)
        await settle(pilot)
        assert said(app, "#err-locked") == "No account has the id X999."
        assert app.focused.id == "locked-id"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and said(app, "#signin-status") == ""


async def test_global_keys_are_off_until_signed_in(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", "f6", "f3", "f2")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert {"new_refund", "journal"}.isdisjoint(
            b.binding.action for b in app.screen.active_bindings.values())


@pytest.mark.parametrize(("code", "message"), [
    ("S01-T02-20261120-9999", "No sale with receipt number S01-T02-20261120-9999. Check it, "
                              "or find the sale with F3."),
    ("hello world!", "“hello world!” is not a receipt number or a refund code."),
    ("RF1.R-T01-261120-0001.100.CNY.AAAAAAAAAA",
     "This refund code is not valid: it was altered, or it is not from this store."),
])
async def test_lookup_errors_are_said_next_to_the_input(rig_factory, code, message) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, code)
        assert isinstance(app.screen, LookupScreen)
        assert said(app) == message
        assert app.focused.id == "code"
        # the missed code is selected: the next scan replaces it, never appends to it
        await pilot.press(*FULL, "enter")
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen) and app.screen.sale.receipt_no == FULL


async def test_scan_opens_the_sale_with_its_lines_and_tenders(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press(*FULL.lower(), "enter")  # a scanner with caps lock off
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SaleScreen)
        assert screen.sale.receipt_no == FULL
        assert screen.query_one("#lines").row_count == 2
        assert screen.query_one("#tenders").row_count == 1
        assert "Can refund CN¥133.00" in str(screen.query_one("#totals").content)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)


@pytest.mark.parametrize(("receipt", "badge", "message"), [
    (VOIDED, "VOIDED", "This sale was voided: there is nothing to refund."),
    (DONE, "FULLY REFUNDED", "Everything on this sale has already been refunded."),
])
async def test_nothing_to_refund_greys_the_refund_keys(rig_factory, receipt, badge,
                                                       message) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, receipt)
        screen = app.screen
        assert [str(b.content) for b in screen.query(".badge")] == [badge]
        assert said(app) == message
        active = {b.binding.action: b.enabled for b in screen.active_bindings.values()}
        assert active["full"] is False and active["items"] is False
        await pilot.press("f", "i", "a")
        await settle(pilot)
        assert app.screen is screen


async def test_outside_the_window_shows_the_badge_and_the_approval_path(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, OLD)
        assert [str(b.content) for b in app.screen.query(".badge")] == [
            "OUTSIDE WINDOW (45 days)"]
        assert said(app) == ("Sold 45 days ago, outside the 30-day window: a manager must "
                             "approve.")


async def test_a_refund_code_opens_that_refund(rig_factory) -> None:
    rig = rig_factory()
    refund = rig.till.journal()[0]
    code = rig.till.codec.encode(refund.refund_no, refund.amount, refund.currency)
    async with rig.app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, code)
        assert isinstance(rig.app.screen, RefundScreen)
        assert rig.app.screen.refund.refund_no == refund.refund_no


async def test_chinese_sign_in_and_errors(rig_factory) -> None:
    app = rig_factory(lang="zh").app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, pin="0000")
        assert said(app, "#err-pin") == "密码错误。再错 4 次账号将被锁定。"
        app.screen.reset()
        await sign_in(pilot)
        await scan(pilot, "S01-T02-20261120-9999")
        assert said(app).startswith("没有小票号为 S01-T02-20261120-9999 的交易")


async def test_full_width_scans_and_pins(rig_factory) -> None:
    """A scanner or an IME in full-width mode types Ｃ００１ and １３５７: still accepted."""
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, who="Ｃ００１", pin="１３５７")
        assert isinstance(app.screen, LookupScreen)
        await scan(pilot, "ｓ０１－ｔ０２－２０２６１１２０－０００１")
        assert isinstance(app.screen, SaleScreen) and app.screen.sale.receipt_no == FULL


async def test_badge_and_pin_typed_in_one_burst(rig_factory) -> None:
    """A badge scan and the PIN right behind it, faster than the focus moves (as a browser
    automation or a quick typist sends them): the PIN keys still land in the PIN."""
    from textual import events

    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        for char in "C001\r1357\r":  # all queued before any of them is handled
            key = "enter" if char == "\r" else char
            app.post_message(events.Key(key, None if char == "\r" else char))
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen), app.screen
        assert app.cashier.cashier_id == CASHIER


async def test_pin_and_a_scan_typed_in_one_burst(rig_factory) -> None:
    """PIN, Enter and a receipt scan right behind it, typed before the till has checked the
    PIN: the scan is neither typed into the PIN box (a wrong PIN that counts towards the
    lockout) nor lost — it opens the sale once the cashier is signed in."""
    from textual import events

    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        for char in f"C001\r1357\r{FULL}\r":  # all queued before any of them is handled
            key = "enter" if char == "\r" else char
            app.post_message(events.Key(key, None if char == "\r" else char))
        await settle(pilot)
        await settle(pilot)
        assert app.cashier is not None and app.cashier.cashier_id == CASHIER
        assert isinstance(app.screen, SaleScreen), app.screen
        assert app.screen.sale.receipt_no == FULL
    from sqlmodel import Session, select

    from cashier_tui.storage.models import AuditEvent

    with Session(rig.till.engine) as session:
        kinds = session.exec(select(AuditEvent.kind)).all()
    assert "sign_in" in kinds and "sign_in_failed" not in kinds
