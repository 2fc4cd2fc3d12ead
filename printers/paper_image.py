"""Documents drawn as paper-roll images at printer resolution (203 dpi, 12 dots a column).

Used for the demo receipt sheet: the same ops as a printed voucher, drawn with a TrueType
font instead of the printer's own, so that a sheet printed on an office printer carries
barcodes a real scanner reads.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from PIL import Image

from .images import (
    CELL_PX,
    LINE_PX,
    CJKFontMissing,
    barcode_image,
    centred,
    find_cjk_font,
    qr_image,
    text_line_image,
)
from .layout import QR, Barcode, Cut, Feed, Op, Text

DPI = 203


def paper_font(setting: str | None) -> str | None:
    """The CJK font for drawing, or None (Chinese then shows as boxes; a warning says so)."""
    try:
        return find_cjk_font(setting)
    except CJKFontMissing as exc:
        print(f"warning: {exc}", file=sys.stderr)
        return None


def render_image(ops: Iterable[Op], columns: int, font_path: str | None) -> Image.Image:
    """One strip of paper with every op drawn on it (1-bit, white background)."""
    width = columns * CELL_PX
    parts: list[Image.Image] = []
    for op in ops:
        if isinstance(op, Text):
            parts.append(text_line_image(op.text, columns, font_path, align=op.align,
                                         bold=op.bold, size=op.size, invert=op.invert))
        elif isinstance(op, Barcode):
            parts.append(centred(barcode_image(op.data, width), width))
        elif isinstance(op, QR):
            parts.append(centred(qr_image(op.data, width), width))
        elif isinstance(op, Feed):
            parts.append(Image.new("1", (width, LINE_PX * op.lines), 1))
        elif isinstance(op, Cut):
            parts.append(Image.new("1", (width, LINE_PX), 1))
    height = sum(part.height for part in parts)
    paper = Image.new("1", (width, max(height, 1)), 1)
    y = 0
    for part in parts:
        paper.paste(part, (0, y))
        y += part.height
    return paper


def sheets(strips: list[Image.Image], page=(1654, 2339), margin: int = 60,
           gap: int = 40) -> list[Image.Image]:
    """Strips of paper laid out in columns on A4 pages (203 dpi: 1654 x 2339 dots)."""
    pages: list[Image.Image] = []
    page_w, page_h = page
    x = y = margin
    current = None
    for strip in strips:
        if current is None:
            current = Image.new("L", page, 255)
        if y + strip.height > page_h - margin and y > margin:
            x, y = x + strip.width + gap, margin  # next column
        if x + strip.width > page_w - margin:
            pages.append(current)
            current = Image.new("L", page, 255)
            x, y = margin, margin
        current.paste(strip.convert("L"), (x, y))
        frame = Image.new("L", (strip.width + 2, 1), 160)
        current.paste(frame, (x - 1, y + strip.height + gap // 2))  # where to cut
        y += strip.height + gap
    if current is not None:
        pages.append(current)
    return pages
