"""The refund details' lines table (issue 16.1): the amount column as wide as its widest
amount, so ``CN¥1,299.00`` is never cut to ``CN¥1,299.0`` at 80x24, and the name takes the
room that is left."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cashier_tui.domain.views import Quote, QuoteLine
from cashier_tui.money import format_money
from screens.breakdown import LinesTable
from screens.tables import cell_width


def money(minor: int) -> str:
    return format_money(minor, "CNY", "en")


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LinesTable(id="restock")


def quote(*amounts: int) -> Quote:
    lines = tuple(QuoteLine(line_id=n, name=f"Espresso machine {n}", qty=1, amount=a)
                  for n, a in enumerate(amounts, 1))
    return Quote(currency="CNY", amount=sum(amounts), lines=lines, legs=(), approvals=(),
                 problems=())


async def test_the_amount_column_holds_the_widest_amount() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(LinesTable)
        table.setup(42)  # what the details screen gives it at 80 columns
        for amounts in ((1_900,), (129_900, 1_299_900_00), (2_500,)):
            table.show(quote(*amounts), {}, money)
            await pilot.pause()
            column = next(c for c in table.columns.values() if c.key.value == "amount")
            widest = max(cell_width(money(a)) for a in amounts)
            assert column.width >= widest, (amounts, column.width)
            total = sum(c.width for c in table.columns.values()) + 2 * 4
            assert total <= 42, (amounts, total)  # the name gave up the room
            assert table.row_count == len(amounts)
