"""Bitmaps for paper: Code128 and QR codes with exact whole-dot modules, CJK text lines.

Thermal printers print 203 dots per inch (8 dots/mm). A module must be a whole number of
dots or bars come out uneven and scanners stumble, so the codes are drawn here module by
module from python-barcode's and qrcode's module patterns rather than scaled.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BARCODE_QUIET = 10  # modules of white either side of a Code128 (the symbology's minimum)
BARCODE_HEIGHT_PX = 80  # 10 mm at 203 dpi
QR_QUIET = 4  # modules: the QR standard's quiet zone
QR_MODULE_PX = 6  # 0.75 mm at 203 dpi: easy for a phone, 28 mm for a version-3 code
CELL_PX = 12  # printer font A: 12 x 24 dots per ASCII character
LINE_PX = 30  # the printer's default line spacing

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


class CJKFontMissing(RuntimeError):
    """Chinese text must be drawn as an image and no CJK font was found."""


def code128_modules(data: str) -> str:
    """The Code128 module pattern of ``data`` ("1" = bar), start to stop, no quiet zone."""
    import barcode

    return barcode.Code128(data).build()[0]


def barcode_image(data: str, max_width_px: int, *, height_px: int = BARCODE_HEIGHT_PX,
                  module_px: int | None = None, rotate_if_needed: bool = True) -> Image.Image:
    """A Code128 barcode at least 2 dots a module, fitting ``max_width_px``.

    When even 2 dots a module does not fit (a 17-character refund number is 200 modules:
    440 dots with its quiet zones, and 58 mm paper has 384), the barcode is turned 90
    degrees ("ladder" orientation) rather than printed with 1-dot bars that many scanners
    cannot resolve.
    """
    pattern = code128_modules(data)
    total = len(pattern) + 2 * BARCODE_QUIET
    if module_px is None:
        module_px = max(2, min(3, max_width_px // total))
    rotate = total * module_px > max_width_px
    if rotate and not rotate_if_needed:
        raise ValueError(f"a barcode of {data!r} is wider than {max_width_px} dots")
    img = Image.new("1", (total * module_px, height_px), 1)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(pattern):
        if bit == "1":
            x = (BARCODE_QUIET + i) * module_px
            draw.rectangle([x, 0, x + module_px - 1, height_px - 1], fill=0)
    if rotate:
        img = img.rotate(90, expand=True)  # bars stay 10 mm long: easy to aim at
    return img


def qr_matrix(data: str, border: int = QR_QUIET) -> list[list[bool]]:
    """The QR modules of ``data`` at level M (True = dark), quiet zone included."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_image(data: str, max_width_px: int, module_px: int = QR_MODULE_PX) -> Image.Image:
    matrix = qr_matrix(data)
    module_px = max(1, min(module_px, max_width_px // len(matrix)))
    side = len(matrix) * module_px
    img = Image.new("1", (side, side), 1)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle([x * module_px, y * module_px, (x + 1) * module_px - 1,
                                (y + 1) * module_px - 1], fill=0)
    return img


def centred(img: Image.Image, width_px: int) -> Image.Image:
    """``img`` on a white strip of the paper's full width (printers centre images badly)."""
    if img.width >= width_px:
        return img
    out = Image.new("1", (width_px, img.height), 1)
    out.paste(img.convert("1"), ((width_px - img.width) // 2, 0))
    return out


def find_cjk_font(setting: str | os.PathLike | None = None) -> str:
    """The TrueType font to draw Chinese with: ``cjk_font`` if set, else a known system one."""
    if setting:
        if Path(setting).is_file():
            return str(setting)
        raise CJKFontMissing(
            f"The Chinese font {setting} set in cjk_font does not exist. Set cjk_font to a "
            ".ttf/.ttc file with Chinese characters (e.g. WenQuanYi Micro Hei)."
        )
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise CJKFontMissing(
        "Chinese text is printed as an image here and no Chinese font was found. Install "
        "one (Debian: apt-get install fonts-wqy-microhei) or set cjk_font to a .ttf/.ttc "
        "file, or set voucher_cjk = \"gb18030\" if the printer has its own Chinese font."
    )


@lru_cache(maxsize=16)
def _font(path: str | None, px: int):
    return ImageFont.truetype(path, px) if path else ImageFont.load_default(px)


def text_line_image(text: str, columns: int, font_path: str | None, *, align: str = "left",
                    bold: bool = False, size: int = 1, invert: bool = False) -> Image.Image:
    """One printed line drawn as a bitmap, each character in its printer cell.

    ASCII takes one 12-dot cell and anything else two, as in the printer's own Chinese
    mode, so image lines and text lines keep the same columns.
    """
    from .layout import cells, char_cells

    cell, line = CELL_PX * size, LINE_PX * size
    img = Image.new("1", (columns * CELL_PX, line), 0 if invert else 1)
    room = columns * CELL_PX - cells(text) * cell
    x = {"center": room // 2, "right": room}.get(align, 0)
    for ch in text:
        width = char_cells(ch) * cell
        if not ch.isspace():
            img.paste(_glyph(ch, width, font_path, size, bold, invert), (x, 0))
        x += width
    return img


@lru_cache(maxsize=4096)
def _glyph(ch: str, width: int, font_path: str | None, size: int, bold: bool,
           invert: bool) -> Image.Image:
    """One character centred in its cell, squeezed if the font draws it wider (``m``, ``W``
    in a proportional font); cached, since a sheet of receipts repeats them a lot."""
    line = LINE_PX * size
    canvas = Image.new("L", (width * 3, line), 0)
    font = _font(font_path, 22 * size)
    draw, top = ImageDraw.Draw(canvas), (line - 24 * size) // 2
    for dx in (0, 1) if bold else (0,):  # bold as printers do it: struck twice, 1 dot apart
        draw.text((width + dx, top), ch, font=font, fill=255)
    cell = Image.new("L", (width, line), 0)
    box = canvas.getbbox()
    if box:
        ink = canvas.crop((box[0], 0, box[2], line))
        if ink.width > width - 1:
            ink = ink.resize((width - 1, line), Image.LANCZOS)
        cell.paste(ink, ((width - ink.width) // 2, 0))
    if not invert:
        cell = Image.eval(cell, lambda v: 255 - v)
    return cell.point(lambda v: 255 if v >= 128 else 0).convert("1")
