"""Every practice scenario of ``data/scenarios.json``, done the way a trainee does it.

Each scenario is driven through Pilot at 80x24 on a real demo session (a private copy of the
seeded demo template, the fixed demo clock, the scripted simulated gateway) with the keys its
steps name — signing in, scanning, choosing, approving are all key presses; the Till is only
*read*, to check the end state. Each driver asserts what the scenario's ``expect`` text
promises, with exact amounts, on screen (the widgets' text) and in the database (refund,
lines, legs per tender, status, approval, prints, the provider's ledger). On top of that,
every amount the English ``expect`` text names must have been on the screen at some point.

A scenario added to the data without a driver here fails ``test_every_scenario_has_a_driver``.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual import events
from textual.keys import _character_to_key

from cashier_tui import demo
from cashier_tui.app import CashierApp, make_app
from cashier_tui.composition import Services, ServicesFactory, demo_services
from cashier_tui.domain.views import REASONS, RefundView
from cashier_tui.settings import Settings
from screens.approval import ApprovalModal
from screens.confirm import AskModal, ConfirmModal
from screens.details import DetailsScreen
from screens.done import DoneScreen
from screens.find import FindSaleScreen
from screens.items import ItemsScreen
from screens.journal import JournalScreen
from screens.lookup import LookupScreen
from screens.processing import ProcessingScreen
from screens.refund import RefundScreen
from screens.report import ShiftReportScreen
from screens.sale import SaleScreen
from screens.signin import SignInScreen

from . import ui_fixtures as ui

DATA = Path(__file__).resolve().parent.parent / "data"
SCENARIOS: list[dict] = json.loads((DATA / "scenarios.json").read_text("utf-8"))["scenarios"]
SIZE = (80, 24)
TRAINEE, TRAINEE_PIN = "T1", "1111"
MANAGER, MANAGER_PIN = "M1", "9999"
EN_AMOUNT = re.compile(r"CN¥[\d,]+\.\d{2}")


# --- the rig: a demo session, its app, and a trainee at the keyboard ---------------------------

@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded demo template, built once per test session (shared by the demo tests)."""
    return demo.template_path(tmp_path_factory.getbasetemp() / "demo-cache")


class Gate:
    """The slow provider's ``sleep``: no wall time at all, unless armed; armed, it holds the
    gateway call until the test releases it, and says when the call has reached it."""

    def __init__(self) -> None:
        self.armed = False
        self.reached = threading.Event()
        self.release = threading.Event()

    def sleep(self, seconds: float) -> None:
        if self.armed:
            self.reached.set()
            assert self.release.wait(10), "the test never released the slow provider"


@dataclass
class Trainee:
    """Presses keys like a trainee and keeps what the screen showed after each step."""

    app: CashierApp
    pilot: Any
    gate: Gate
    seen: list[str] = field(default_factory=list)

    async def keys(self, *keys: str) -> None:
        """Press keys one after the other (each handled before the next), then wait for
        the work they started: what the trainee sees before pressing the next key."""
        for key in keys:
            self._send(key)
            await self.pilot.pause()
        await self.calm()

    async def type(self, text_: str, *then: str) -> None:
        """Characters typed into the focused input (then ``enter``, say), in one burst, as a
        scanner or a practised typist sends them."""
        for key in (*text_, *then):
            self._send(key)
        await self.calm()

    def _send(self, key: str) -> None:
        """A key through the driver, as ``pilot.press`` sends it (``.``, ``-``, space as
        named keys), without Pilot's idle waits around every key: a 20-key scenario would
        spend most of its time in them."""
        if len(key) == 1:
            event = events.Key(key if key.isalnum() else _character_to_key(key), key)
        else:
            event = events.Key(key, None)
        event.set_sender(self.app)
        self.app._driver.send_message(event)

    async def calm(self) -> None:
        """Until the workers the keys started have finished and their answers are shown."""
        while True:
            await self.app.workers.wait_for_complete()
            await self.pilot.pause()
            if all(w.is_finished for w in self.app.workers) and not self.app.keys_pending:
                break
        self.look()

    def look(self) -> str:
        shown = screen_text(self.app)
        self.seen.append(shown)
        return shown

    @property
    def till(self):
        return self.app.till

    def on(self, kind: type) -> Any:
        assert isinstance(self.app.screen, kind), (
            f"on {type(self.app.screen).__name__}, not {kind.__name__}:\n{screen_text(self.app)}")
        return self.app.screen

    def note(self, selector: str) -> str:
        return str(self.app.screen.query_one(selector).content)

    def said(self, selector: str = "#error") -> str:
        return self.app.screen.query_one(selector).text

    # the steps every scenario shares, as the steps text words them
    async def sign_in(self) -> None:
        await self.type(TRAINEE, "enter", *TRAINEE_PIN, "enter")
        self.on(LookupScreen)

    async def scan(self, receipt: str) -> SaleScreen:
        await self.type(receipt, "enter")
        sale = self.on(SaleScreen)
        assert sale.sale.receipt_no == receipt
        return sale

    async def reason(self, code: str) -> None:
        """Space opens the reason list, ↓ to the reason (under "Choose…"), Enter."""
        assert self.app.focused.id == "reason", self.app.focused
        await self.keys("space", *["down"] * (REASONS.index(code) + 1), "enter")

    async def approve(self) -> None:
        """The approval box: manager id, Enter, PIN, Enter."""
        self.on(ApprovalModal)
        await self.type(MANAGER, "enter", *MANAGER_PIN, "enter")
        self.on(ConfirmModal)

    async def confirm(self) -> DoneScreen:
        self.on(ConfirmModal)
        await self.keys("y")
        return self.on(DoneScreen)


def screen_text(app: CashierApp) -> str:
    """What the 80x24 terminal shows now, as plain text (the screen's composited cells)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def table_rows(app: CashierApp, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector)
    return [[str(cell).strip() for cell in table.get_row_at(i)] for i in range(table.row_count)]


def refunds_of(till, receipt: str) -> list[RefundView]:
    """The refunds of one receipt, oldest first (the journal is newest first)."""
    return [r for r in reversed(till.journal()) if r.receipt_no == receipt]


def legs(refund: RefundView) -> list[tuple[str, str, str, int, str]]:
    """(tender method, payout, action, amount, state) per leg."""
    return [(x.method, x.payout, x.action, x.amount, x.state) for x in refund.legs]


def ledger(till, *references: str) -> list[tuple[str | None, int, str]]:
    """What the simulated provider really did: (original reference, amount, state), for
    these references (default: all)."""
    return [(e.reference, e.amount, e.state) for e in till.gateway.ledger()
            if not references or e.reference in references]


def audit_kinds(till, refund_no: str) -> list[str]:
    with till.engine.connect() as conn:
        return list(conn.execute(text("SELECT kind FROM audit_event WHERE refund_no = :no "
                                      "ORDER BY id"), {"no": refund_no}).scalars())


def one_refund(till, receipt: str) -> RefundView:
    found = refunds_of(till, receipt)
    assert len(found) == 1, found
    return found[0]


# --- the drivers: one per scenario id -----------------------------------------------------------

Driver = Callable[[Trainee], Awaitable[None]]
DRIVERS: dict[str, Driver] = {}


def drives(sid: str) -> Callable[[Driver], Driver]:
    def register(fn: Driver) -> Driver:
        DRIVERS[sid] = fn
        return fn
    return register


@drives("full-card")
async def full_card(t: Trainee) -> None:
    await t.scan("1001")
    await t.keys("f")
    await t.reason("defective")
    assert "Card ****4321 → Refund  CN¥78.90" in t.note("#legs")
    await t.keys("enter")
    done = await t.confirm()
    assert "CN¥78.90   Completed" in t.note("#done-summary")
    assert "Card ****4321  CN¥78.90  Refunded" in t.note("#done-summary")
    await t.keys("p")
    assert t.said("#print-status") == "Voucher printed: customer copy and merchant copy."
    assert "TRAINING - NOT A REFUND" in t.note("#voucher-lines")
    refund = one_refund(t.till, "1001")
    assert refund.refund_no == done.refund.refund_no
    assert (refund.kind, refund.reason, refund.status, refund.amount) == (
        "full", "defective", "completed", 7890)
    assert legs(refund) == [("card", "card", "refund", 7890, "succeeded")]
    assert (refund.cashier, refund.approver, refund.training) == (TRAINEE, None, True)
    assert refund.print_count == 1 and audit_kinds(t.till, refund.refund_no)[-1] == "print"
    assert t.till.get_sale("1001").refundable == 0
    assert ledger(t.till) == [("AUTH300101", 7890, "succeeded")]


async def _pick(t: Trainee, down: int, qty: str, reason: str) -> None:
    """On the sale: i, ↓ to the line, type the quantity, Enter, the reason."""
    await t.keys("i")
    t.on(ItemsScreen)
    await t.keys(*["down"] * down, *qty)
    await t.keys("enter")
    t.on(DetailsScreen)
    await t.reason(reason)


async def _one_line(t: Trainee, receipt: str, down: int, qty: str, reason: str) -> None:
    await t.scan(receipt)
    await _pick(t, down, qty, reason)


@drives("partial-discounted-line")
async def partial_discounted_line(t: Trainee) -> None:
    await t.scan("1002")
    assert table_rows(t.app, "#lines")[0][1:] == [
        "绿茶礼盒 green tea gift box", "3", "0", "3", "CN¥100.00"]
    await _pick(t, 0, "1", "changed_mind")
    assert "Alipay …0002 → Refund  CN¥33.33" in t.note("#legs")
    await t.keys("enter")
    await t.confirm()
    assert "CN¥33.33   Completed" in t.note("#done-summary")
    # the other two, later
    await t.keys("n")
    await _one_line(t, "1002", 0, "2", "changed_mind")
    await t.keys("enter")
    await t.confirm()
    assert "CN¥66.67   Completed" in t.note("#done-summary")
    first, rest = refunds_of(t.till, "1002")
    assert [(x.name, x.qty, x.amount) for x in first.lines] == [
        ("绿茶礼盒 green tea gift box", 1, 3333)]
    assert [(x.name, x.qty, x.amount) for x in rest.lines] == [
        ("绿茶礼盒 green tea gift box", 2, 6667)]
    assert legs(first) == [("alipay", "alipay", "refund", 3333, "succeeded")]
    assert legs(rest) == [("alipay", "alipay", "refund", 6667, "succeeded")]
    line = t.till.get_sale("1002").lines[0]
    assert (line.refunded_qty, line.refunded_amount) == (3, 10000)  # the line, exactly


@drives("split-card-wallet")
async def split_card_wallet(t: Trainee) -> None:
    await _one_line(t, "1003", 1, "1", "defective")
    breakdown = t.note("#legs")
    assert "Card ****5512 → Refund  CN¥24.92" in breakdown
    assert "WeChat Pay …1003 → Refund  CN¥24.58" in breakdown
    assert "Total CN¥49.50" in breakdown
    await t.keys("enter")
    await t.confirm()
    refund = one_refund(t.till, "1003")
    assert refund.amount == 4950
    assert legs(refund) == [("card", "card", "refund", 2492, "succeeded"),
                            ("wechat", "wechat", "refund", 2458, "succeeded")]


@drives("three-tenders")
async def three_tenders(t: Trainee) -> None:
    await _one_line(t, "1004", 1, "1", "wrong_item")
    await t.keys("enter")
    await t.confirm()
    summary = t.note("#done-summary")
    assert "Give the customer CN¥5.17 from the drawer." in summary
    refund = one_refund(t.till, "1004")
    assert refund.amount == 1550 and refund.reason == "wrong_item"
    assert [(m, a, s) for m, _p, _a, a, s in legs(refund)] == [
        ("card", 517, "succeeded"), ("alipay", 516, "succeeded"), ("cash", 517, "succeeded")]
    assert refund.cash_paid == 517


@drives("cash-for-card")
async def cash_for_card(t: Trainee) -> None:
    await t.scan("1005")
    await t.keys("f")
    await t.keys("shift+tab")
    assert t.app.focused.id == "payout"
    await t.keys("space", "down", "enter")  # Enter on the list moves on to the reason
    await t.reason("changed_mind")
    assert "Card ****7093 → Cash  CN¥155.80" in t.note("#legs")
    await t.keys("enter")
    assert t.note("#rules") == "• Cash back for a sale not paid in cash."
    await t.approve()
    await t.confirm()
    assert "Give the customer CN¥155.80 from the drawer." in t.note("#done-summary")
    refund = one_refund(t.till, "1005")
    assert (refund.payout, refund.approver, refund.approval_rules) == (
        "cash", MANAGER, ("cash_for_non_cash",))
    assert legs(refund) == [("card", "cash", "cash", 15580, "succeeded")]
    assert refund.cash_paid == 15580
    assert t.till.get_sale("1005").refundable == 0  # the card can refund nothing more
    assert ledger(t.till) == []  # the drawer paid: the card provider was never asked
    assert "approval" in audit_kinds(t.till, refund.refund_no)


@drives("inside-window")
async def inside_window(t: Trainee) -> None:
    await t.scan("1008")
    assert "OUTSIDE WINDOW" not in t.look() and t.said() == ""
    await t.keys("f")
    await t.reason("not_as_described")
    assert t.said("#approvals") == ""
    await t.keys("enter")
    await t.confirm()  # no approval box on the way
    refund = one_refund(t.till, "1008")
    assert (refund.approver, refund.approval_rules) == (None, ())
    assert legs(refund) == [("unionpay_qr", "unionpay_qr", "refund", 12060, "succeeded")]


async def _outside(t: Trainee, receipt: str, days: int) -> None:
    await t.scan(receipt)
    assert f"OUTSIDE WINDOW ({days} days)" in t.look()
    assert t.said().startswith(f"Sold {days} days ago, outside the 30-day window: a manager "
                               "must approve.")


@drives("outside-window")
async def outside_window(t: Trainee) -> None:
    await _outside(t, "1006", 31)
    await t.keys("f")
    await t.reason("defective")
    await t.keys("enter")
    assert t.note("#rules") == "• Sold 31 days ago, outside the 30-day refund window."
    await t.approve()
    await t.confirm()
    refund = one_refund(t.till, "1006")
    assert (refund.approver, refund.approval_rules) == (MANAGER, ("outside_window",))
    assert legs(refund) == [("card", "card", "refund", 35900, "succeeded")]


@drives("outside-window-45")
async def outside_window_45(t: Trainee) -> None:
    await _outside(t, "1007", 45)
    await _pick(t, 1, "1", "other")
    assert t.app.focused.id == "reason_text"
    await t.type("customer goodwill", "enter")
    assert "Sold 45 days ago" in t.note("#rules")
    await t.approve()
    await t.confirm()
    refund = one_refund(t.till, "1007")
    assert (refund.reason, refund.reason_text) == ("other", "customer goodwill")
    assert (refund.approver, refund.approval_rules) == (MANAGER, ("outside_window",))
    assert legs(refund) == [("wechat", "wechat", "refund", 2290, "succeeded")]


@drives("older-than-a-year")
async def older_than_a_year(t: Trainee) -> None:
    await _outside(t, "1015", 434)
    assert "Too old for the provider: only a cash refund is possible." in t.said()
    await t.keys("f")
    assert t.app.screen.query_one("#payout").value == "cash"
    assert "Cash from the drawer" in t.look()
    await t.reason("defective")
    await t.keys("enter")
    assert t.note("#rules") == "• Sold 434 days ago, outside the 30-day refund window."
    await t.approve()
    await t.confirm()
    assert "Give the customer CN¥179.80 from the drawer." in t.note("#done-summary")
    refund = one_refund(t.till, "1015")
    assert (refund.payout, refund.approver, refund.approval_rules) == (
        "cash", MANAGER, ("outside_window",))
    assert legs(refund) == [("cash", "cash", "cash", 17980, "succeeded")]
    assert ledger(t.till) == []


async def _refused(t: Trainee, receipt: str, badge: str, why: str) -> None:
    sale = await t.scan(receipt)
    assert badge in t.look() and t.said() == why
    for action in ("full", "items", "amount"):
        assert sale.check_action(action, ()) is None  # greyed out in the key row
    await t.keys("f")
    await t.keys("a")
    await t.keys("i")
    assert t.app.screen is sale  # nothing happened


@drives("voided-sale")
async def voided_sale(t: Trainee) -> None:
    await _refused(t, "1009", "VOIDED", "This sale was voided: there is nothing to refund.")
    assert refunds_of(t.till, "1009") == []
    assert t.till.get_sale("1009").refunded == 0


@drives("fully-refunded")
async def fully_refunded(t: Trainee) -> None:
    await _refused(t, "1017", "FULLY REFUNDED",
                   "Everything on this sale has already been refunded.")
    assert "Can refund CN¥0.00" in t.note("#totals")
    assert len(refunds_of(t.till, "1017")) == 1  # the seeded one, nothing new


async def _full(t: Trainee, receipt: str, reason: str) -> ProcessingScreen:
    """Full refund, reason, Enter, y: the processing screen, before it finishes."""
    await t.scan(receipt)
    await t.keys("f")
    await t.reason(reason)
    await t.keys("enter")
    t.on(ConfirmModal)
    await t.keys("y")
    return t.on(ProcessingScreen)


@drives("decline-then-retry")
async def decline_then_retry(t: Trainee) -> None:
    processing = await _full(t, "1010", "defective")
    account = t.note("#account")
    assert "Card ****3306  CN¥189.00  Declined" in account
    assert "Press r to try again, or Esc and refund the rest in cash." in account
    assert processing.refund.status == "failed"
    key = processing.refund.legs[0].idempotency_key
    await t.keys("r")
    t.on(DoneScreen)
    refund = one_refund(t.till, "1010")
    assert (refund.status, refund.amount) == ("completed", 18900)
    assert [(x.idempotency_key, x.attempts, x.state) for x in refund.legs] == [
        (key, 2, "succeeded")]
    assert ledger(t.till, "AUTH-DECLINE-01") == [("AUTH-DECLINE-01", 18900, "succeeded")]
    await t.keys("f5")  # one refund in the journal, not two
    journal = t.on(JournalScreen)
    assert [r.receipt_no for r in journal.refunds].count("1010") == 1
    assert f"{len(journal.refunds)} refunds today." in t.note("#journal-count")


@drives("timeout-then-retry")
async def timeout_then_retry(t: Trainee) -> None:
    processing = await _full(t, "1011", "wrong_item")
    account = t.note("#account")
    assert "Card has not answered yet (timeout)." in account
    assert "never refunded twice" in account
    assert processing.refund.status == "pending"
    key = processing.refund.legs[0].idempotency_key
    await t.keys("r")
    t.on(DoneScreen)
    refund = one_refund(t.till, "1011")
    assert (refund.status, refund.amount) == ("completed", 12900)
    assert [(x.idempotency_key, x.state) for x in refund.legs] == [(key, "succeeded")]
    assert ledger(t.till) == [("AUTH-TIMEOUT-01", 12900, "succeeded")]  # paid exactly once


@drives("slow-provider")
async def slow_provider(t: Trainee) -> None:
    t.gate.armed = True
    await t.scan("1012")
    await t.keys("f")
    await t.reason("changed_mind")
    await t.keys("enter")
    t.on(ConfirmModal)
    await t.pilot.press("y")  # no settle: the worker is about to hold in the provider
    assert await asyncio.to_thread(t.gate.reached.wait, 10), "the provider was never called"
    await t.pilot.pause()
    processing = t.on(ProcessingScreen)
    shown = t.look()
    steps = t.note("#steps")
    assert " ✓ Saving the refund" in steps and " › Sending to the provider" in steps
    assert " · Done" in steps and " › Sending to the provider" in shown
    assert "Refund number R-T01-261120-0003" in t.note("#refund-no")
    assert processing.busy
    for action in ("retry", "done", "leave"):
        assert processing.check_action(action, ()) is None  # greyed while it works
    assert t.app.check_action("new_refund", ()) is None
    await t.pilot.press("y", "enter", "r", "f2", "escape")  # impatient keys change nothing
    await t.pilot.pause()
    assert t.app.screen is processing and processing.busy
    assert len(refunds_of(t.till, "1012")) == 1
    t.gate.release.set()
    await ui.settle(t.pilot)
    t.look()
    t.on(DoneScreen)
    refund = one_refund(t.till, "1012")
    assert legs(refund) == [("wechat", "wechat", "refund", 15600, "succeeded")]
    assert ledger(t.till) == [("WX-SLOW-01", 15600, "succeeded")]


@drives("unsettled-void")
async def unsettled_void(t: Trainee) -> None:
    """A void is said to be one everywhere, never a refund (issue 16.6)."""
    before = t.till.shift_report()
    await t.scan("1013")
    assert "UNSETTLED: A FULL REFUND VOIDS IT" in t.look()  # said before the cashier chooses
    assert t.said() == "Card: not settled yet, so refunding all of it voids the payment."
    await t.keys("f")
    await t.reason("transaction_error")
    assert "Card ****5820 → Void  CN¥88.50" in t.note("#legs")
    await t.keys("enter")
    done = await t.confirm()
    assert "Card ****5820 (void)" in t.note("#voucher-lines")
    refund = one_refund(t.till, "1013")
    assert legs(refund) == [("card", "card", "void", 8850, "succeeded")]
    assert ledger(t.till) == [("AUTH300113", 8850, "succeeded")]
    summary = t.note("#done-summary").splitlines()
    assert summary[0] == f"Void {refund.refund_no}" and "Void done" in t.look()
    assert summary[2] == "Card ****5820 (void)  CN¥88.50  Voided"
    assert "Refunded" not in t.note("#done-summary")
    await t.keys("f5")
    journal = t.on(JournalScreen)
    assert journal.selected().refund_no == refund.refund_no
    assert "Card (void)" in t.look()
    await t.keys("enter")
    t.on(RefundScreen)
    head = t.note("#refund-head").splitlines()
    assert head[0] == f"Void {refund.refund_no}   Completed" and head[2] == "Void   CN¥88.50"
    assert t.note("#refund-legs").endswith("\nCard ****5820 (void)  CN¥88.50  Voided")
    await t.keys("f6")
    report = t.on(ShiftReportScreen)
    assert report.report.voided == {"card": 8850}  # not under the card's refunds
    assert (report.report.by_method, report.report.total) == (before.by_method, before.total)
    assert ", CN¥88.50 voided" in t.note("#report-head")
    assert ["Card (voided)", "CN¥88.50"] in table_rows(t.app, "#by-method")
    await t.keys("escape", "escape", "escape")
    assert t.app.screen is done


@drives("over-threshold")
async def over_threshold(t: Trainee) -> None:
    await t.scan("1014")
    await t.keys("f")
    await t.reason("defective")
    assert t.said("#approvals") == "A manager must approve this refund."
    await t.keys("enter")
    assert t.note("#rules") == "• The refund is over CN¥500.00."
    await t.approve()
    await t.confirm()
    await t.keys("p")
    assert re.search(r"Manager approval:\s+M1", t.note("#voucher-lines"))
    refund = one_refund(t.till, "1014")
    assert (refund.approver, refund.approval_rules) == (MANAGER, ("over_threshold",))
    assert legs(refund) == [("card", "card", "refund", 129900, "succeeded")]
    assert refund.print_count == 1


@drives("partly-refunded")
async def partly_refunded(t: Trainee) -> None:
    await t.scan("1016")
    assert table_rows(t.app, "#lines")[1][1:] == [
        "绿茶 green tea 500ml", "6", "2", "4", "CN¥27.00"]
    assert "Refunded CN¥9.00   Can refund CN¥145.90" in t.note("#totals")
    await t.keys("f")
    await t.reason("changed_mind")
    await t.keys("enter")
    await t.confirm()
    seeded, rest = refunds_of(t.till, "1016")
    assert seeded.amount == 900
    assert legs(rest) == [("wechat", "wechat", "refund", 14590, "succeeded")]
    await t.keys("n")
    await t.scan("1016")
    assert "FULLY REFUNDED" in t.look()
    assert t.till.get_sale("1016").fully_refunded


@drives("reprint-voucher")
async def reprint_voucher(t: Trainee) -> None:
    no = "R-T01-261120-0002"  # the seeded refund of 1017, as the steps name it
    assert no in next(s for s in SCENARIOS if s["id"] == "reprint-voucher")["steps_en"][1]
    await t.keys("f5")
    journal = t.on(JournalScreen)
    row = [r.refund_no for r in journal.refunds].index(no)
    await t.keys(*["down"] * row)
    assert journal.selected().refund_no == no and "CN¥73.50" in t.look()
    await t.keys("p")
    assert t.said("#print-status") == "Voucher printed: customer copy and merchant copy."
    printed = "\n".join(journal.preview_lines)
    assert "REPRINT" in printed and "TRAINING - NOT A REFUND" in printed
    assert "1017" in printed and "73.50" in printed
    # or: the refund's number on the lookup screen, then p
    await t.keys("escape")
    await t.type(no, "enter")
    t.on(RefundScreen)
    assert "Receipt 1017" in t.note("#refund-head")
    await t.keys("p")
    assert "REPRINT" in "\n".join(t.app.screen.preview_lines)
    refund = t.till.get_refund(no)
    assert (refund.receipt_no, refund.amount, refund.print_count) == ("1017", 7350, 3)
    assert audit_kinds(t.till, no)[-2:] == ["reprint", "reprint"]
    assert ledger(t.till) == []  # no money moves


@drives("find-without-receipt")
async def find_without_receipt(t: Trainee) -> None:
    await t.keys("f3")
    t.on(FindSaleScreen)
    await t.keys("tab", "tab", "tab")
    assert t.app.focused.id == "last4"
    await t.type("8837", "enter")
    assert [row[0] for row in table_rows(t.app, "#matches")] == ["1018", "1019", "1020", "1021"]
    assert "4 sales match." in t.note("#find-hint")
    await t.keys(*["shift+tab"] * 4)
    assert t.app.focused.id == "date_from"
    await t.type("2026-11-18")
    await t.keys("tab")
    await t.type("2026-11-18", "enter")
    assert table_rows(t.app, "#matches") == [
        ["1019", "2026-11-18 18:22", "CN¥267.00", "Card", ""]]
    await t.keys("enter")
    sale = t.on(SaleScreen)
    assert sale.sale.receipt_no == "1019"
    assert "Store/till S01/T02" in t.note("#sale-header")
    assert "Total CN¥267.00" in t.note("#totals")
    assert refunds_of(t.till, "1019") == []


@drives("amount-then-full")
async def amount_then_full(t: Trainee) -> None:
    await t.scan("1022")
    await t.keys("a")
    await t.type("50.00", "enter")
    t.on(DetailsScreen)
    assert t.app.focused.id == "note"  # the reason is already Price adjustment
    breakdown = t.note("#legs")
    assert "Card ****6061 → Refund  CN¥38.46" in breakdown and "CN¥11.54" in breakdown
    await t.keys("enter")
    await t.confirm()
    await t.keys("n")
    await t.scan("1022")
    assert "Can refund CN¥340.00" in t.note("#totals")
    await t.keys("f")
    await t.reason("changed_mind")
    await t.keys("enter")
    await t.confirm()
    adjustment, rest = refunds_of(t.till, "1022")
    assert (adjustment.kind, adjustment.reason, adjustment.amount) == (
        "amount", "price_adjustment", 5000)
    assert [(m, a) for m, _p, _a, a, _s in legs(adjustment)] == [("card", 3846), ("cash", 1154)]
    assert (rest.kind, rest.amount) == ("full", 34000)
    assert [(m, a) for m, _p, _a, a, _s in legs(rest)] == [("card", 26154), ("cash", 7846)]
    assert t.till.get_sale("1022").fully_refunded


# --- the tests ----------------------------------------------------------------------------------

@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def demo_factory(demo_template: Path, tmp_path: Path, gate: Gate):
    """Demo mode's services factory, as ``run()`` has it (the demo's own QR codec included),
    on the shared template with a slow provider the gate holds; F9 calls it again. Every
    Services it built is closed after the test."""
    work = tmp_path / "demo"
    work.mkdir()
    built: list[Services] = []

    def factory(settings: Settings) -> Services:
        built.append(demo_services(settings, template=demo_template, workdir=work,
                                   slow_seconds=0.2, sleep=gate.sleep))
        return built[-1]

    yield factory
    gate.release.set()
    for services in built:
        services.close()


def demo_app(factory: ServicesFactory, tmp_path: Path, lang: str = "en") -> CashierApp:
    return make_app(ui.settings(tmp_path, lang, demo=True), factory, training=True,
                    stable=True)


def test_every_scenario_has_a_driver() -> None:
    ids = [s["id"] for s in SCENARIOS]
    assert len(ids) == len(set(ids))
    assert set(ids) - set(DRIVERS) == set(), "scenarios without a Pilot driver here"
    assert set(DRIVERS) - set(ids) == set(), "drivers of scenarios no longer in the data"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
async def test_scenario_ends_as_the_list_says(scenario: dict, demo_factory, gate,
                                             tmp_path) -> None:
    app = demo_app(demo_factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        trainee = Trainee(app, pilot, gate)
        await trainee.sign_in()
        await DRIVERS[scenario["id"]](trainee)
        trainee.look()
    seen = "\n".join(trainee.seen)
    for amount in EN_AMOUNT.findall(scenario["expect_en"]):
        assert amount in seen, f"{scenario['id']}: {amount} promised, never on screen"
    assert scenario["receipt_no"] in seen


def _state(till, receipt: str) -> list[tuple[str, int, list]]:
    return [(r.refund_no, r.amount, [(x.idempotency_key, *leg) for x, leg in
                                     zip(r.legs, legs(r), strict=True)])
            for r in refunds_of(till, receipt)]


async def test_f9_resets_in_under_a_second_and_a_scenario_repeats_exactly(
        demo_factory, gate, tmp_path) -> None:
    """A refund made, F9 and y: the refund is gone, the receipt refundable again, the
    scripted provider starts over (it declines again), and doing the scenario again gives the
    same refund number, amounts, legs and idempotency keys."""
    app = demo_app(demo_factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        t = Trainee(app, pilot, gate)
        runs = []
        for attempt in range(2):
            await t.sign_in()
            await decline_then_retry(t)  # a decline, then a retry that succeeds
            runs.append((_state(t.till, "1010"), ledger(t.till), len(t.till.journal())))
            if attempt:
                break
            first_till = t.till
            await t.keys("f9")
            t.on(AskModal)
            started = time.perf_counter()
            await t.keys("y")
            took = time.perf_counter() - started
            assert took < 1.0, f"F9 reset took {took:.2f} s"
            t.on(SignInScreen)
            assert app.cashier is None and app.till is not first_till
            # back to the seed: the practice refund is gone, the receipt refundable again
            assert refunds_of(app.till, "1010") == []
            assert app.till.get_sale("1010").refundable == 18900
            assert [r.receipt_no for r in app.till.journal()] == ["1017", "1016"]
            assert ledger(app.till) == []
    assert runs[0] == runs[1]
    [(refund_no, amount, [(key, *_leg)])] = runs[0][0]
    assert (refund_no, amount, key) == ("R-T01-261120-0003", 18900, "DEMO-000003")


# --- the steps name the keys and words the screens really show ---------------------------------

def _generator():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_demo_sales", DATA / "make_demo_sales.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_words_the_steps_quote_are_the_screens_words() -> None:
    """The Chinese steps quote the zh catalog; the English words are msgids the app uses."""
    from cashier_tui.i18n import _, set_language
    from screens import texts

    gen = _generator()
    english = {*texts.REASONS.values(), *texts.METHODS.values()}
    for screen in (SaleScreen, ItemsScreen, DetailsScreen, ConfirmModal, ProcessingScreen,
                   DoneScreen, JournalScreen, RefundScreen, FindSaleScreen, CashierApp):
        english |= {b.description for b in screen.BINDINGS if b.description}
    try:
        set_language("zh")
        for word, chinese in gen.UI_ZH.items():
            if word in ("TRAINING - NOT A REFUND", "REPRINT"):  # the voucher's own table
                from printers.strings import STRINGS

                key = "training" if word.startswith("TRAINING") else "reprint"
                assert (STRINGS["en"][key], STRINGS["zh"][key]) == (word, chinese)
                continue
            assert _(word) == chinese, word
    finally:
        set_language("en")
    for word in ("Full refund", "By items", "By amount", "Continue", "Yes, refund", "Retry",
                 "Print", "Reprint", "New refund", "Journal", "Find sale",
                 *gen.REASON_LABELS.values()):
        assert word in english, word
    assert gen.REASON_LABELS == {k: v for k, v in texts.REASONS.items()
                                 if k in gen.REASON_LABELS}


def test_trainee_steps_say_amounts_not_formulas() -> None:
    for s in SCENARIOS:
        for field_ in ("steps_en", "steps_zh", "expect_en", "expect_zh"):
            words = json.dumps(s[field_], ensure_ascii=False)
            assert not re.search(r"\d\s*(//|\*|/)\s*\d", words), (s["id"], field_, words)
        assert not re.search(r"(?<!CN)¥", s["expect_en"]), (s["id"], "en shows CN¥")
        assert "CN¥" not in s["expect_zh"], (s["id"], "zh shows ¥")
        # the Chinese text promises the same amounts (checked on screen in English)
        en = {a.removeprefix("CN") for a in EN_AMOUNT.findall(s["expect_en"])}
        assert set(re.findall(r"¥[\d,]+\.\d{2}", s["expect_zh"])) == en, s["id"]


# --- the practice list (F1 in training) shows every scenario and its steps ---------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_f1_lists_the_scenarios_and_enter_shows_the_steps(demo_factory, gate, tmp_path,
                                                                lang) -> None:
    from screens.help import HelpScreen, ScenarioModal

    app = demo_app(demo_factory, tmp_path, lang)
    pick = 3 if lang == "en" else len(SCENARIOS) - 1
    async with app.run_test(size=SIZE) as pilot:
        t = Trainee(app, pilot, gate)
        await t.sign_in()
        await t.keys("f1")
        t.on(HelpScreen)
        assert table_rows(app, "#help-scenarios") == [
            [s["receipt_no"], s[f"title_{lang}"]] for s in SCENARIOS]
        await t.keys("tab", *["down"] * pick)
        assert "⏎" in "".join(t.look().splitlines()[-2:])  # Enter: the steps, in the key row
        await t.keys("enter")
        t.on(ScenarioModal)
        scenario = SCENARIOS[pick]
        steps = t.note("#scenario-steps")
        for n, step in enumerate(scenario[f"steps_{lang}"], 1):
            assert f"{n}. {step}" in steps
        assert scenario[f"expect_{lang}"] in t.note("#scenario-expect")
        assert scenario[f"title_{lang}"] in t.look()
        await t.keys("escape")
        t.on(HelpScreen)
        await t.keys("escape")
        t.on(LookupScreen)
