"""The voucher as a device-independent document: one layout for paper, file and preview.

:func:`build_voucher` turns a :class:`~cashier_tui.domain.views.RefundView` into a list of
ops (text lines, a Code128 barcode, a QR code, feeds, a cut, a cash-drawer kick) that
:mod:`printers.preview` renders as text and :mod:`printers.escpos_render` as ESC/POS bytes.

Widths are counted in printer cells: an ASCII character takes one cell of the printer's
font A (12 dots), anything else two (a Han character is 24 dots wide in the printer's
Chinese mode, and the image mode draws it in the same box). That is never less than the
terminal's display width (``rich.cells.cell_len``), so a line that fits paper fits preview.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Literal

from rich.cells import cell_len

from cashier_tui.domain.views import RefundView
from cashier_tui.money import plain

from .strings import method_label, reason_label, t

Align = Literal["left", "center", "right"]


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    align: Align = "left"
    bold: bool = False
    size: int = 1  # 1 normal; 2 double width and double height
    invert: bool = False  # white on black


@dataclass(frozen=True, slots=True)
class Barcode:
    """A Code128 barcode of ``data`` (the refund or receipt number)."""

    data: str


@dataclass(frozen=True, slots=True)
class QR:
    data: str


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True, slots=True)
class Cut:
    pass


@dataclass(frozen=True, slots=True)
class DrawerKick:
    pass


Op = Text | Barcode | QR | Feed | Cut | DrawerKick


@dataclass(frozen=True, slots=True)
class VoucherContext:
    store_header: tuple[str, ...] | list[str] = ()
    columns: int = 48  # 32 (58 mm) or 48 (80 mm)
    lang: str = "en"  # en | zh
    copy: str = "customer"  # customer | merchant
    reprint: bool = False
    training: bool = False
    qr_payload: str = ""
    # The till's time zone: the voucher says when the refund was made in local time (the
    # refund's ``created_at`` is UTC). None: the time as the refund view carries it.
    tz: tzinfo | None = None
    # Kick the cash drawer (customer copy of a cash refund, never on a reprint or in
    # training). False when the drawer was already opened for this refund.
    open_drawer: bool = True


def local_time(moment: datetime, tz: tzinfo | None) -> str:
    """``moment`` as the till's clock shows it: ``2026-11-20 15:00:00``."""
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def char_cells(ch: str) -> int:
    return 1 if ch.isascii() else max(2, cell_len(ch))


def cells(text: str) -> int:
    """Printer cells ``text`` takes (never less than its terminal display width)."""
    return sum(char_cells(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells."""
    out, used = [], 0
    for ch in text:
        size = char_cells(ch)
        if used + size > width:
            break
        out.append(ch)
        used += size
    return "".join(out)


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` cells, at spaces where it can."""
    lines: list[str] = []
    rest = text.strip()
    while rest:
        if cells(rest) <= width:
            lines.append(rest)
            break
        head = fit(rest, width)
        cut = head.rfind(" ")
        if cut > len(head) // 2:
            head = head[:cut]
        lines.append(head.rstrip())
        rest = rest[len(head):].lstrip()
    return lines or [""]


def pair(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line when they fit, else ``left`` wrapped above."""
    gap = width - cells(left) - cells(right)
    if gap >= 1:
        return [left + " " * gap + right]
    right = fit(right, width)
    return [*wrap(left, width), " " * (width - cells(right)) + right]


def paper_money(minor: int, currency: str, lang: str) -> str:
    """Money for paper: ``CNY 12.34`` (en) or ``￥12.34`` (zh, CNY).

    Not Babel's ``CN¥``: the printer's own font has no ``¥`` in every code page, while the
    full-width ``￥`` is in GB2312, which every Chinese printer font has.
    """
    if lang == "zh" and currency == "CNY":
        return f"￥{plain(minor, currency)}"
    return f"{currency} {plain(minor, currency)}"


def lines_of(text: str, columns: int, **style) -> list[Text]:
    return [Text(line, **style) for line in wrap(text, columns)]


def _label(lang: str, key: str, value: str, columns: int) -> list[Text]:
    return [Text(line) for line in pair(f"{t(lang, key)}:", value, columns)]


def _mark(lang: str, key: str, columns: int) -> Text:
    return Text(fit(f"*** {t(lang, key)} ***", columns), align="center", bold=True,
                invert=True)


def _leg_label(lang: str, leg) -> str:
    label = method_label(lang, leg.payout)
    masked = (leg.masked or "").replace("…", "..")
    if leg.payout == leg.method and masked:
        label = f"{label} {masked}"
    elif leg.payout == "cash" and leg.method != "cash":  # which payment the cash replaced
        tender = method_label(lang, leg.method) + (f" {masked}" if masked else "")
        label = t(lang, "cash_for").format(cash=label, tender=tender)
    if leg.action == "void":
        label = f"{label} ({t(lang, 'void')})"
    if leg.state == "failed":
        label = f"{label} ({t(lang, 'state_failed')})"
    elif leg.state != "succeeded":
        label = f"{label} ({t(lang, 'state_pending')})"
    return label


def build_voucher(refund: RefundView, ctx: VoucherContext) -> list[Op]:
    """One copy of the refund voucher (``ctx.copy``), ending with a cut."""
    lang, cols = ctx.lang, ctx.columns
    cur = refund.currency
    ops: list[Op] = []
    training = ctx.training or refund.training
    if (ctx.copy == "customer" and ctx.open_drawer and refund.cash_paid > 0 and not ctx.reprint
            and not training):
        ops.append(DrawerKick())
    if training:
        ops.append(_mark(lang, "training", cols))
    for line in ctx.store_header:
        ops.extend(lines_of(line, cols, align="center"))
    ops.append(Text(fit(t(lang, "title"), cols // 2), align="center", bold=True, size=2))
    if ctx.reprint:
        ops.append(_mark(lang, "reprint", cols))
    ops.append(Feed(1))
    ops.append(Barcode(refund.refund_no))
    ops.append(Text(fit(refund.refund_no, cols), align="center"))
    ops.append(Feed(1))
    ops.extend(_label(lang, "receipt_no", refund.receipt_no, cols))
    ops.extend(_label(lang, "date", local_time(refund.created_at, ctx.tz), cols))
    ops.extend(_label(lang, "cashier", refund.cashier, cols))
    if refund.approver:
        ops.extend(_label(lang, "approver", refund.approver, cols))
    ops.append(Text("-" * cols))
    if refund.lines:
        ops.append(Text(fit(t(lang, "items"), cols), bold=True))
        for item in refund.lines:
            amount = paper_money(item.amount, cur, lang)
            ops.extend(Text(x) for x in pair(f"{item.qty} x {item.name}", amount, cols))
    else:
        ops.append(Text(fit(t(lang, "amount_only"), cols), bold=True))
    ops.append(Text("-" * cols))
    ops.extend(Text(x, bold=True) for x in
               pair(t(lang, "total"), paper_money(refund.amount, cur, lang), cols))
    ops.append(Text(fit(f"{t(lang, 'paid_back')}:", cols)))
    for leg in refund.legs:
        ops.extend(Text(x) for x in
                   pair(f"  {_leg_label(lang, leg)}", paper_money(leg.amount, cur, lang), cols))
    reason = reason_label(lang, refund.reason)
    if refund.reason_text:
        reason = f"{reason}: {refund.reason_text}"
    ops.extend(lines_of(f"{t(lang, 'reason')}: {reason}", cols))
    if refund.note:
        ops.extend(lines_of(f"{t(lang, 'note')}: {refund.note}", cols))
    if ctx.qr_payload:
        ops.append(Feed(1))
        ops.append(QR(ctx.qr_payload))
        ops.extend(lines_of(t(lang, "scan"), cols, align="center"))
    ops.append(Feed(1))
    if ctx.copy == "merchant":
        ops.append(Text(fit(t(lang, "merchant_copy"), cols), align="center", bold=True))
        ops.append(Feed(2))
        ops.extend(lines_of(f"{t(lang, 'signature')}:", cols))
        ops.append(Feed(1))
        ops.append(Text("_" * cols))
    else:
        ops.append(Text(fit(t(lang, "customer_copy"), cols), align="center", bold=True))
        ops.extend(lines_of(t(lang, "keep"), cols, align="center"))
    if ctx.reprint:
        ops.append(_mark(lang, "reprint", cols))
    if training:
        ops.append(_mark(lang, "training", cols))
    ops.append(Cut())
    return ops


def voucher_job(refund: RefundView, ctx: VoucherContext) -> list[Op]:
    """The whole print job: the customer copy, then the merchant copy."""
    return [*build_voucher(refund, replace(ctx, copy="customer")),
            *build_voucher(refund, replace(ctx, copy="merchant"))]


def check_widths(ops: Iterable[Op], columns: int) -> None:
    """Raise ``ValueError`` if a text op would not fit ``columns`` (a layout bug)."""
    for op in ops:
        if isinstance(op, Text) and cells(op.text) * op.size > columns:
            raise ValueError(f"{op.text!r} is wider than {columns} columns")
