"""The voucher document as plain text lines: the done screen's preview and ``preview`` prints.

Each line is at most ``columns`` display cells wide. Codes are shown as labelled
placeholders (the done screen draws the real QR with :mod:`screens.qr_widget`).
"""

from __future__ import annotations

from collections.abc import Iterable

from .layout import QR, Barcode, Cut, Feed, Op, Text, cells, fit


def _place(text: str, width: int, align: str) -> str:
    text = fit(text, width)
    room = width - cells(text)
    if align == "center":
        return " " * (room // 2) + text
    if align == "right":
        return " " * room + text
    return text


def render_preview(ops: Iterable[Op], columns: int) -> list[str]:
    """Plain text lines of the document, as it would come out of the printer."""
    out: list[str] = []
    for op in ops:
        if isinstance(op, Text):
            out.append(_place(op.text, columns, op.align).rstrip())
        elif isinstance(op, Barcode):
            out.append(_place(f"||| {op.data} |||", columns, "center"))
        elif isinstance(op, QR):
            out.append(_place("[ QR ]", columns, "center"))
        elif isinstance(op, Feed):
            out.extend([""] * op.lines)
        elif isinstance(op, Cut):
            out.append("=" * columns)
    return out
