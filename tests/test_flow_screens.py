"""Pilot flows of the other screens: find a sale, journal, shift report, help, the command
palette, the global F-keys and training mode."""

from __future__ import annotations

import json

from cashier_tui.domain.views import RefundRequest
from screens.find import FindSaleScreen
from screens.help import HelpScreen
from screens.journal import JournalScreen
from screens.lookup import LookupScreen
from screens.refund import RefundScreen
from screens.report import ShiftReportScreen
from screens.sale import SaleScreen
from screens.signin import SignInScreen
from screens.widgets import ErrorLine, TrainingBanner

from . import ui_fixtures as ui
from .ui_fixtures import CASHIER, DECLINE, FULL, MIXED, enter, scan, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
SIZE = (80, 24)


def said(app, selector: str = "#error") -> str:
    return app.screen.query_one(selector, ErrorLine).text


async def keys(pilot, *pressed: str) -> None:
    await pilot.press(*pressed)
    await settle(pilot)


async def test_find_a_sale_by_card_last_4(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await keys(pilot, "f3")
        assert isinstance(app.screen, FindSaleScreen)
        await keys(pilot, "enter")
        assert said(app).startswith("Fill in at least one")
        await enter(pilot, "#date_from", "2026-13-01")
        await settle(pilot)
        assert said(app, "#err-date_from") == "Type a date as YYYY-MM-DD."
        app.screen.query_one("#date_from").value = ""
        await enter(pilot, "#last4", "0000")
        await settle(pilot)
        assert said(app) == "No sale matches. Widen the dates, or check the amount."
        await enter(pilot, "#last4", "8765")
        await settle(pilot)
        assert app.screen.query_one("#matches").row_count == 1
        assert app.focused.id == "matches"
        await keys(pilot, "enter")
        assert isinstance(app.screen, SaleScreen) and app.screen.sale.receipt_no == MIXED
        await keys(pilot, "escape", "escape")
        assert isinstance(app.screen, LookupScreen)
        # how a sale was paid stays under "Paid by"; voided / fully refunded apart (16.12)
        await keys(pilot, "f3")
        await enter(pilot, "#last4", "4321")
        await settle(pilot)
        table = app.screen.query_one("#matches")
        rows = {str(r[0]): [str(c) for c in r[3:]] for r in map(table.get_row_at,
                                                                range(table.row_count))}
        assert rows[ui.VOIDED] == ["Card", "VOIDED"] and rows[FULL] == ["Card", ""]
        assert [str(c.label) for c in table.columns.values()][3:] == ["Paid by", "Status"]


async def test_find_by_amount_and_dates(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await keys(pilot, "f3")
        app.screen.query_one("#date_from").value = "2026-11-20"
        app.screen.query_one("#date_to").value = "2026-11-20"
        await enter(pilot, "#amount", "133")
        await settle(pilot)
        assert [s.receipt_no for s in app.screen.sales] == [FULL]


async def test_journal_reprint_and_retry(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    failed = rig.till.commit(RefundRequest(receipt_no=DECLINE, kind="full", reason="defective"),
                             CASHIER)
    assert rig.till.process(failed.refund_no).status == "failed"
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await keys(pilot, "f5")
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        assert screen.refunds[0].refund_no == failed.refund_no
        assert "1 need a retry (R)." in str(screen.query_one("#journal-count").content)
        await keys(pilot, "r")
        assert screen.refunds[0].status == "completed"
        await keys(pilot, "p")
        assert said(app, "#print-status") == ("Voucher printed: customer copy and merchant "
                                              "copy.")
        assert rig.till.get_refund(failed.refund_no).print_count == 1
        await keys(pilot, "enter")
        assert isinstance(app.screen, RefundScreen)
        assert "Completed" in str(app.screen.query_one("#refund-head").content)
        await keys(pilot, "p")  # a second print is a reprint
        assert rig.till.get_refund(failed.refund_no).print_count == 2


async def test_shift_report_and_export(rig_factory, tmp_path) -> None:
    rig = rig_factory()
    app = rig.app
    app.export_dir = tmp_path / "exports"
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await keys(pilot, "f6")
        assert isinstance(app.screen, ShiftReportScreen)
        head = str(app.screen.query_one("#report-head").content)
        assert head == "2026-11-20: 1 refund, CN¥25.00 refunded"  # not "1 refunds" (16.12)
        assert "Cash paid out of the drawer: CN¥0.00" in str(
            app.screen.query_one("#report-foot").content)
        # the footer offers Export once the report is there (it stayed grey, now and then)
        shown = app.screen.query_one("#screen-keys").shown
        assert ("e", "Export", True) in shown, shown
        await keys(pilot, "e")
        exported = tmp_path / "exports" / "refunds-T01-2026-11-20.jsonl"
        assert said(app, "#export-status") == f"Exported 1 refund to {exported}"
        rows = [json.loads(line) for line in exported.read_text().splitlines()]
        assert [r["receipt_no"] for r in rows] == [ui.DONE]


async def test_help_lists_the_keys_of_the_current_screen(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, FULL)
        await keys(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        rows = [(k, text) for k, text, _on in app.screen.rows]
        assert rows[:4] == [("f", "Full refund"), ("i", "By items"), ("a", "By amount"),
                            ("esc", "Back")]
        assert ("F5", "Journal") in rows and ("^p", "Commands") in rows
        await keys(pilot, "f1")  # F1 again closes it
        assert isinstance(app.screen, SaleScreen)
        await keys(pilot, "escape", "f1")
        assert ("⏎", "Look up") in [(k, t) for k, t, _on in app.screen.rows]


async def test_command_palette_offers_the_screen_s_commands(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, FULL)
        await keys(pilot, "ctrl+p")
        await pilot.press(*"by items")
        await settle(pilot)
        await keys(pilot, "enter")
        assert app.screen.__class__.__name__ == "ItemsScreen"


async def test_new_refund_and_sign_out_from_anywhere(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, FULL)
        await keys(pilot, "a")
        assert app.screen.__class__.__name__ == "AmountScreen"
        await keys(pilot, "f2")
        assert isinstance(app.screen, LookupScreen) and len(app.screen_stack) == 2
        await keys(pilot, "f5", "f6", "f10")
        assert isinstance(app.screen, SignInScreen) and app.cashier is None
        assert app.screen.query_one("#cashier-id").value == ""


async def test_training_banner_on_every_screen(rig_factory) -> None:
    app = rig_factory(training=True).app
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.query(TrainingBanner)
        assert "T1" in str(app.screen.query_one("#demo-accounts").content)
        await sign_in(pilot)
        await scan(pilot, FULL)
        for key in ("f", "f1"):
            await keys(pilot, key)
            assert app.screen.query(TrainingBanner), app.screen
        await keys(pilot, "escape", "escape", "f5")
        assert app.screen.query(TrainingBanner)


async def test_chinese_journal_and_help(rig_factory) -> None:
    app = rig_factory(lang="zh").app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await keys(pilot, "f5")
        assert "今日退款 1 笔。" in str(app.screen.query_one("#journal-count").content)
        await keys(pilot, "f1")
        assert ("F2", "新退款") in [(k, t) for k, t, _on in app.screen.rows]


async def test_demo_reset_asks_then_starts_over(tmp_path) -> None:
    from cashier_tui.app import make_app
    from cashier_tui.composition import demo_services

    (tmp_path / "work").mkdir()
    built = []

    def factory(settings):  # what run() passes, on the test's own cache and directory
        built.append(demo_services(settings, cache_dir=tmp_path / "cache",
                                   workdir=tmp_path / "work"))
        return built[-1]

    app = make_app(ui.settings(tmp_path, demo=True), factory, stable=True)
    try:
        first = app.till
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, "T1", "1111")
            assert isinstance(app.screen, LookupScreen)
            await keys(pilot, "f1")
            assert any("Practice" in str(n.content) for n in app.screen.query("Note"))
            await keys(pilot, "escape", "f9", "n")  # no: nothing happens
            assert app.till is first and isinstance(app.screen, LookupScreen)
            await keys(pilot, "f9", "y")
            assert app.till is not first and app.till.codec is not None
            assert isinstance(app.screen, SignInScreen) and app.cashier is None
            # the reset rebuilt every service through the factory, none rewired by hand
            assert len(built) == 2 and app.services is built[1]
            assert (app.clock, app.codec) == (app.till.clock, app.till.codec)
            assert app.printer is built[1].printer is not built[0].printer
    finally:
        app.services.close()


async def test_journal_feedback_stays_visible_with_a_long_list(rig_factory) -> None:
    """30 refunds at 80x24: the count and the print line stay on screen above the key rows,
    the list scrolls instead (issue 16.9)."""
    rig = rig_factory()
    app = rig.app
    for _ in range(30):
        rig.till.commit(RefundRequest(receipt_no=ui.BIG, kind="amount", amount=100,
                                      reason="price_adjustment"), CASHIER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await keys(pilot, "f5")
        screen = app.screen
        assert isinstance(screen, JournalScreen) and len(screen.refunds) == 31
        await keys(pilot, "end", "p")
        bottom = screen.query_one("#keys").region.y
        for selector in ("#journal-count", "#print-status"):
            region = screen.query_one(selector).region
            assert region.height >= 1 and region.bottom <= bottom, (selector, region, bottom)
        assert "31 refunds today." in str(screen.query_one("#journal-count").content)
        assert said(app, "#print-status") == "Voucher printed: customer copy and merchant copy."
