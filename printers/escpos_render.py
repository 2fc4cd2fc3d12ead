"""The voucher document as ESC/POS bytes, built with python-escpos on a ``Dummy`` printer.

Decisions (DESIGN.md §7, CRAFT.md):

* Every job starts with ``hw("INIT")`` and uses a real profile (``TM-T20II`` 48 columns /
  576 dots, ``POS-5890`` 32 columns / 384 dots) for widths.
* Text bytes are built here, never through python-escpos's ``text()``: its "magic" encoder
  sends Han text as GB18030 without ``FS &``, turns ``¥`` into four bytes and keeps a stale
  code page after INIT. ASCII goes as ASCII (the same in every code page).
* Chinese (any non-ASCII character), two modes (setting ``voucher_cjk``):
  ``gb18030``: for printers with a Chinese font: ``FS &`` (enter Chinese mode), the run's
  GB18030 two-byte codes, ``FS .`` (leave it). Characters without a two-byte code (none in
  our strings) become ``?``. ``image``: the whole line is drawn as a raster image with a CJK
  TrueType font (setting ``cjk_font``), each character in its printer cell.
* Code128 and QR are raster images (``GS v 0``) drawn module by module (see
  :mod:`printers.images`), not the printer's native codes: they look the same on every
  printer, scan from paper, and the tests decode exactly the bytes that are sent. The
  native ``GS k`` Code128 would need ``{B`` and, at 2 dots a module, does not fit 58 mm.
* ``escpos`` is imported inside the functions: importing it costs ~0.6 s at start.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable

from .images import barcode_image, centred, find_cjk_font, qr_image, text_line_image
from .layout import QR, Barcode, Cut, DrawerKick, Feed, Op, Text
from .profiles import DEFAULT_PROFILE

FS_CHINESE_ON = b"\x1c&"  # FS &: select Kanji (Chinese) character mode
FS_CHINESE_OFF = b"\x1c."  # FS .: cancel Kanji character mode
CJK_MODES = ("gb18030", "image")


def gb18030_bytes(text: str) -> bytes:
    """``text`` for a printer with a Chinese font: ASCII as is, other runs inside FS & / FS ."""
    out = bytearray()
    run: list[str] = []

    def flush() -> None:
        if run:
            out.extend(FS_CHINESE_ON)
            for ch in run:
                code = ch.encode("gb18030")
                out.extend(code if len(code) == 2 else b"\xa3\xbf")  # full-width ？
            out.extend(FS_CHINESE_OFF)
            run.clear()

    for ch in text:
        if ch.isascii():
            flush()
            out.extend(ch.encode("ascii"))
        else:
            run.append(ch)
    flush()
    return bytes(out)


def open_dummy(profile: str):
    """A python-escpos ``Dummy`` printer with ``profile`` (stdout of the import kept quiet)."""
    with contextlib.redirect_stdout(io.StringIO()):
        from escpos.printer import Dummy

        return Dummy(profile=profile)


def media_pixels(printer) -> int:
    pixels = printer.profile.profile_data["media"]["width"]["pixels"]
    return int(pixels) if str(pixels).isdigit() else 576


def render_escpos(ops: Iterable[Op], *, profile: str = DEFAULT_PROFILE, columns: int = 48,
                  cjk: str = "gb18030", cjk_font: str | None = None) -> bytes:
    """The ESC/POS bytes of a document. Raises ``CJKFontMissing`` in image mode with no font."""
    if cjk not in CJK_MODES:
        raise ValueError(f"voucher_cjk must be one of {', '.join(CJK_MODES)}, not {cjk!r}")
    ops = list(ops)
    font = None
    if cjk == "image" and any(isinstance(op, Text) and not op.text.isascii() for op in ops):
        font = find_cjk_font(cjk_font)
    p = open_dummy(profile)
    width = min(media_pixels(p), columns * 12)
    with contextlib.redirect_stdout(io.StringIO()):
        p.hw("INIT")
        if cjk == "gb18030":
            p._raw(FS_CHINESE_OFF)  # some Chinese printers start in Chinese mode
        for op in ops:
            _render_op(p, op, width=width, columns=columns, cjk=cjk, font=font)
    return p.output


def _render_op(p, op: Op, *, width: int, columns: int, cjk: str, font: str | None) -> None:
    if isinstance(op, Text):
        if cjk == "image" and not op.text.isascii():
            p.set(align="left")
            p.image(text_line_image(op.text, columns, font, align=op.align, bold=op.bold,
                                    size=op.size, invert=op.invert))
            return
        # GS ! (custom size), not ESC !: it enlarges Chinese characters too.
        p.set(align=op.align, bold=op.bold, custom_size=True, width=op.size,
              height=op.size, invert=op.invert)
        p._raw(gb18030_bytes(op.text) + b"\n")
        p.set(bold=False, custom_size=True, width=1, height=1, invert=False)
    elif isinstance(op, Barcode):
        p.set(align="left")
        p.image(centred(barcode_image(op.data, width), width))
    elif isinstance(op, QR):
        p.set(align="left")
        p.image(centred(qr_image(op.data, width), width))
    elif isinstance(op, Feed):
        p.print_and_feed(op.lines)
    elif isinstance(op, Cut):
        p.cut()
    elif isinstance(op, DrawerKick):
        p.cashdraw(2)
