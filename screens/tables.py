"""Data tables sized to the screen they are on: every column as wide as its widest cell,
one column (a name) taking the room that is left, laid out again on every resize, so no
column is ever clipped at any width from 80 up and no room stands empty (issue 16.1)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable


def cell_width(cell: object) -> int:
    return cell.cell_len if isinstance(cell, Text) else Text(str(cell)).cell_len


def column_widths(labels: list[str], rows: list[list[object]]) -> list[int]:
    """Each column as wide as its label and its widest cell."""
    return [max([cell_width(label), *(cell_width(row[i]) for row in rows)])
            for i, label in enumerate(labels)]


def table_room(table: DataTable, width: int, columns: int) -> int:
    """What the columns' own widths may add up to in a table ``width`` cells wide: less its
    border, a vertical scrollbar and each column's padding."""
    return (width - table.styles.gutter.width - table.styles.scrollbar_size_vertical
            - 2 * table.cell_padding * columns)


def refill(table: DataTable, columns: list[tuple[str, int]],
           rows: list[tuple[list[object], str]]) -> None:
    """Columns and rows again (a resize), the cursor where it was."""
    keep = table.cursor_row
    table.clear(columns=True)
    for label, width in columns:
        table.add_column(label, width=width)
    for row, key in rows:
        table.add_row(*row, key=key)
    if rows and keep:
        table.move_cursor(row=min(keep, len(rows) - 1))
