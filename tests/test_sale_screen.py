"""The sale screen at any size, a voided sale, and a void worded as one (issue 16.1, 16.4,
16.6): every column of the Items and Payments tables whole at any width from 80 up (also
after resizing a running till), nothing offered on a voided sale, a void never called a
refund in the approval box."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import DataTable

from cashier_tui.domain.views import Quote, QuoteLeg
from screens.approval import ApprovalModal
from screens.sale import SaleScreen

from . import ui_fixtures as ui
from .ui_fixtures import BIG, FULL, MIXED, VOIDED, scan, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
WIDTHS = (80, 81, 90, 99, 100, 101, 110, 120, 160, 81, 80)


def cells(table: DataTable) -> list[list[str]]:
    return [[str(cell).strip() for cell in table.get_row_at(i)]
            for i in range(table.row_count)]


def assert_whole(table: DataTable, width: int) -> None:
    """No column narrower than its widest cell or its label, and the columns inside the box:
    nothing clipped, nothing scrolled sideways."""
    for column in table.columns.values():
        label = column.label.cell_len
        assert column.width >= max(column.content_width, label), (width, str(column.label))
    assert table.virtual_size.width <= table.scrollable_content_region.width, width
    assert table.max_scroll_x == 0, width


async def test_every_column_is_whole_at_any_width(rig_factory) -> None:
    for lang in ("en", "zh"):
        app = rig_factory(lang=lang).app
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot)
            for receipt in (FULL, MIXED, BIG):
                await scan(pilot, receipt)
                screen = app.screen
                assert isinstance(screen, SaleScreen)
                amounts = {row[-1] for row in cells(screen.query_one("#lines", DataTable))}
                for width in WIDTHS:
                    await pilot.resize_terminal(width, 24)
                    await settle(pilot)
                    lines = screen.query_one("#lines", DataTable)
                    for table in (lines, screen.query_one("#tenders", DataTable)):
                        assert_whole(table, width)
                        assert table.region.right <= width, width
                    assert {row[-1] for row in cells(lines)} == amounts  # still every amount
                    if lang == "en":  # the SKU column comes when there is room for it
                        labels = [str(c.label) for c in lines.columns.values()]
                        assert ("SKU" in labels) == (width >= 100), width
                await pilot.resize_terminal(80, 24)
                await pilot.press("escape")
                await settle(pilot)


async def test_the_item_name_takes_the_room_there_is(rig_factory) -> None:
    """Long names are not cut while the table has room (issue 16.12)."""
    app = rig_factory().app
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await scan(pilot, BIG)
        lines = app.screen.query_one("#lines", DataTable)
        for width in (80, 120):
            await pilot.resize_terminal(width, 24)
            await settle(pilot)
            widths = sum(c.get_render_width(lines) for c in lines.columns.values())
            room = lines.scrollable_content_region.width - lines.styles.scrollbar_size_vertical
            assert widths == room, width


async def test_a_voided_sale_offers_nothing(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await scan(pilot, VOIDED)
        screen = app.screen
        totals = str(screen.query_one("#totals").content)
        assert totals == "Total CN¥25.00   Refunded CN¥0.00   Can refund CN¥0.00"
        assert [row[2:5] for row in cells(screen.query_one("#lines", DataTable))] == [
            ["1", "0", "0"]]  # sold 1, refunded 0, left 0
        assert str(screen.query_one("#error").text) == (
            "This sale was voided: there is nothing to refund.")


async def test_the_approval_box_calls_a_void_a_void(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        sale = rig.till.get_sale(FULL)
        leg = QuoteLeg(sale.tenders[0].tender_id, "card", "card", "void", 13300, "****4321")
        for action, says in (("void", "This void of CN¥133.00 needs a manager because:"),
                             ("refund", "This refund of CN¥133.00 needs a manager because:")):
            quote = Quote("CNY", 13300, (), (replace(leg, action=action),),
                          ("outside_window",), ())
            app.push_screen(ApprovalModal(sale, quote))
            await settle(pilot)
            notes = [str(n.content) for n in app.screen.query("Note")]
            assert notes[0] == says
            await pilot.press("escape")
            await settle(pilot)


async def test_sale_time_is_shown_in_the_store_zone(rig_factory) -> None:
    """A sale made at 14:03 +08:00 seen by a till whose store zone is UTC: 06:03, the same
    zone its refund numbers and vouchers use (issue 16.12)."""
    from datetime import UTC

    rig = rig_factory()
    rig.clock.at = rig.clock.at.astimezone(UTC)
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await scan(pilot, FULL)
        assert "Sold 2026-11-20 06:03" in str(app.screen.query_one("#sale-header").content)
