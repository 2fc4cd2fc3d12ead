"""Pilot flows through a refund (DESIGN.md §2, 2-6) on a real till: every refund kind, cash,
approval, a decline and a timeout, and the errors a cashier can meet on the way."""

from __future__ import annotations

import pytest

from cashier_tui.domain.policy import Policy
from screens.approval import ApprovalModal
from screens.details import DetailsScreen
from screens.done import DoneScreen
from screens.items import ItemsScreen
from screens.processing import ProcessingScreen
from screens.widgets import ErrorLine

from . import ui_fixtures as ui
from .ui_fixtures import (
    BIG,
    DECLINE,
    FULL,
    MANAGER,
    MANAGER_PIN,
    MIXED,
    TIMEOUT,
    choose_cash,
    choose_reason,
    enter,
    scan,
    settle,
    sign_in,
)

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
SIZE = (80, 24)


def said(app, selector: str = "#error") -> str:
    return app.screen.query_one(selector, ErrorLine).text


async def start(pilot, receipt: str, key: str = "f") -> None:
    await sign_in(pilot)
    await scan(pilot, receipt)
    await pilot.press(key)
    await settle(pilot)


async def go_on(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def test_full_refund_to_the_card(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, FULL)
        assert isinstance(app.screen, DetailsScreen)
        assert app.focused.id == "reason"
        await choose_reason(pilot)
        assert app.focused.id == "note"  # Enter from here goes on
        assert "Card ****4321 → Refund  CN¥133.00" in str(app.screen.query_one("#legs").content)
        await go_on(pilot, "enter")
        assert app.screen.__class__.__name__ == "ConfirmModal"
        await go_on(pilot, "y")
        assert isinstance(app.screen, DoneScreen)
        refund = app.screen.refund
        assert (refund.status, refund.amount, refund.kind) == ("completed", 13300, "full")
        assert rig.till.get_sale(FULL).refundable == 0
        await go_on(pilot, "n")  # new refund: back to an empty lookup
        assert app.screen.__class__.__name__ == "LookupScreen"
        assert app.focused.id == "code" and app.focused.value == ""


async def test_partial_refund_by_items(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, FULL, "i")
        assert isinstance(app.screen, ItemsScreen)
        await go_on(pilot, "5")  # more than the 2 sold
        assert said(app, "#err-items") == "Only 2 of “保温杯 500ml” can still be refunded."
        await go_on(pilot, "1", "down", "plus", "plus")  # the cable: 1 sold, + twice
        assert said(app, "#err-items") == "Only 1 of “USB-C cable 1m” can still be refunded."
        assert app.screen.chosen == {1: 1, 2: 1}
        assert str(app.screen.query_one("#items-total").content) == "2 items, refund CN¥79.00"
        await go_on(pilot, "minus")  # the cable back to 0: one item left ("1 item", 16.12)
        assert str(app.screen.query_one("#items-total").content) == "1 item, refund CN¥54.00"
        await go_on(pilot, "plus")
        await go_on(pilot, "enter")
        await choose_reason(pilot, "changed_mind")
        await go_on(pilot, "enter", "y")
        refund = app.screen.refund
        assert refund.amount == 5400 + 2500
        assert sorted((x.name, x.qty) for x in refund.lines) == [
            ("USB-C cable 1m", 1), ("保温杯 500ml", 1)]


async def test_partial_refund_by_amount_with_its_errors(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, FULL, "a")
        for typed, message in [
            ("", "Type the amount to refund."),
            ("12.345", "At most 2 decimals."),
            ("abc", "“abc” is not an amount: type digits and at most one point."),
            # a comma is never taken as a thousands separator (7,99 is not 799.00)
            ("7,99", "“7,99” has a comma: type the amount without commas, with a point "
                     "before the cents (e.g. 7.99)."),
            ("1，0", "“1，0” has a comma: type the amount without commas, with a point "
                    "before the cents (e.g. 7.99)."),
            ("99999999999999999999", "“99999999999999999999” is too large an amount."),
            ("0.", "The amount must be more than zero."),
            ("200", "That is more than the CN¥133.00 that can still be refunded."),
        ]:
            await enter(pilot, "#amount", typed)
            await settle(pilot)
            assert said(app, "#err-amount") == message
        await enter(pilot, "#amount", "３０．５")  # full-width digits from an IME
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen)
        assert app.focused.id == "note"  # the reason is already a price adjustment
        await go_on(pilot, "enter", "y")
        refund = app.screen.refund
        assert (refund.kind, refund.amount, refund.reason) == ("amount", 3050,
                                                               "price_adjustment")


async def test_cash_for_a_card_sale_needs_a_manager(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, MIXED)
        await choose_cash(pilot)
        assert app.focused.id == "reason"  # Enter on the Pay back list moves on (16.12)
        await choose_reason(pilot)
        await go_on(pilot, "enter")
        modal = app.screen
        assert isinstance(modal, ApprovalModal)
        assert "Cash back for a sale not paid in cash." in str(modal.query_one("#rules").content)
        await enter(pilot, "#manager-id", MANAGER)
        await enter(pilot, "#manager-pin", MANAGER_PIN)
        await settle(pilot)
        await go_on(pilot, "y")
        done = app.screen
        assert isinstance(done, DoneScreen)
        assert done.refund.approver == MANAGER and done.refund.cash_paid == 10800
        assert "Give the customer CN¥108.00 from the drawer." in str(
            done.query_one("#done-summary").content)


async def test_approval_refused_and_escape_never_commits(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, BIG)
        await choose_reason(pilot)
        await go_on(pilot, "enter")
        assert "The refund is over CN¥500.00." in str(app.screen.query_one("#rules").content)
        await enter(pilot, "#manager-id", "C002")  # a cashier, not a manager
        await enter(pilot, "#manager-pin", "1111")
        await settle(pilot)
        assert said(app, "#err-manager") == ("This person is not a manager and cannot "
                                             "approve refunds.")
        await enter(pilot, "#manager-id", MANAGER)
        await enter(pilot, "#manager-pin", "0000")
        await settle(pilot)
        assert said(app, "#err-manager_pin") == ("Wrong PIN. 4 tries left before the account "
                                                 "locks.")
        await go_on(pilot, "escape")
        assert isinstance(app.screen, DetailsScreen)
        assert said(app) == "Not approved: no refund was made."
        assert rig.till.journal() == [r for r in rig.till.journal() if r.receipt_no != BIG]
        assert rig.till.get_sale(BIG).refundable == 80000


async def test_approval_granted(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, BIG)
        await choose_reason(pilot)
        await go_on(pilot, "enter")
        await enter(pilot, "#manager-id", MANAGER.lower())
        await enter(pilot, "#manager-pin", MANAGER_PIN)
        await settle(pilot)
        await go_on(pilot, "y")
        refund = app.screen.refund
        assert refund.approver == MANAGER and refund.approval_rules == ("over_threshold",)


@pytest.mark.parametrize("allowed", [False, True])
async def test_a_manager_approving_their_own_refund(rig_factory, allowed) -> None:
    """Issue 16.8: refused unless ``policy.self_approval``; recorded when allowed."""
    rig = rig_factory(policy=Policy(self_approval=allowed))
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, who=MANAGER, pin=MANAGER_PIN)  # the manager makes the refund
        await scan(pilot, BIG)
        await go_on(pilot, "f")
        await choose_reason(pilot)
        await go_on(pilot, "enter")
        await enter(pilot, "#manager-id", MANAGER)
        await enter(pilot, "#manager-pin", MANAGER_PIN)
        await settle(pilot)
        if allowed:
            await go_on(pilot, "y")
            refund = app.screen.refund
            assert (refund.cashier, refund.approver) == (MANAGER, MANAGER)
            return
        assert isinstance(app.screen, ApprovalModal)
        assert said(app, "#err-manager") == ("A manager cannot approve their own refund: ask "
                                             "another manager.")
        assert rig.till.get_sale(BIG).refundable == 80000


async def test_decline_then_retry(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, DECLINE)
        await choose_reason(pilot)
        await go_on(pilot, "enter", "y")
        screen = app.screen
        assert isinstance(screen, ProcessingScreen)
        account = str(screen.query_one("#account").content)
        assert "Card ****1111  CN¥25.00  Declined" in account
        assert "Card declined the refund:" in account
        assert "Press r to try again, or Esc and refund the rest in cash." in account
        steps = str(screen.query_one("#steps").content).splitlines()
        assert steps[-1] == " · Done" and steps[0] == " ✓ Saving the refund"  # not done
        key = screen.refund.legs[0].idempotency_key
        await go_on(pilot, "r")
        assert isinstance(app.screen, DoneScreen)
        assert app.screen.refund.status == "completed"
        assert app.screen.refund.legs[0].idempotency_key == key  # the same request again


async def test_timeout_then_success(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, TIMEOUT)
        await choose_reason(pilot)
        await go_on(pilot, "enter", "y")
        screen = app.screen
        assert isinstance(screen, ProcessingScreen)
        assert screen.refund.status == "pending"
        account = str(screen.query_one("#account").content)
        assert "Card has not answered yet (timeout)." in account
        assert "never refunded twice" in account
        await go_on(pilot, "r")
        assert isinstance(app.screen, DoneScreen)
        assert app.screen.refund.status == "completed"


async def test_database_unreachable_then_back(rig_factory) -> None:
    from sqlalchemy import create_engine

    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        real = rig.till.engine
        rig.till.engine = create_engine("sqlite:////nonexistent-dir/till.db")
        await scan(pilot, FULL)
        assert app.screen.__class__.__name__ == "LookupScreen"
        assert said(app).startswith("The database is busy or cannot be reached.")
        rig.till.engine = real
        await go_on(pilot, "enter")  # the code is still there: Enter again
        assert app.screen.__class__.__name__ == "SaleScreen"


async def test_chinese_full_refund(rig_factory) -> None:
    rig = rig_factory(lang="zh")
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, FULL)
        await go_on(pilot, "tab", "enter")  # to the note, and on without a reason
        assert said(app, "#err-reason") == "请选择退款原因。"
        assert app.focused.id == "reason"  # back to what is missing
        await choose_reason(pilot)
        assert "银行卡 ****4321 → 退款  ¥133.00" in str(app.screen.query_one("#legs").content)
        await go_on(pilot, "enter", "y")
        assert isinstance(app.screen, DoneScreen)
        assert "¥133.00   已完成" in str(app.screen.query_one("#done-summary").content)
