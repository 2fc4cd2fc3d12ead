"""``PrintService``: the till's one entry point for printing vouchers.

Called from a Textual thread worker. It never raises for a printer problem: it returns a
:class:`PrintResult` with a code and a plain message, and the caller records the voucher as
printed or not. A failed print never touches the refund, which stays committed and can be
printed again.

``timeout_s`` bounds the talking to the printer (connect, status, sending), never the
library's 60 s; rendering the bytes before it takes a few milliseconds (the first job also
imports python-escpos, ~0.5 s, which is why nothing imports it at start).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING

from cashier_tui.domain.views import RefundView
from cashier_tui.qrpayload import RefundCodec

from .layout import Op, VoucherContext, build_voucher, voucher_job
from .preview import render_preview
from .profiles import DEFAULT_PROFILE, PROFILES
from .targets import PreviewTarget, PrinterError, VoucherTarget, parse_target

if TYPE_CHECKING:
    from cashier_tui.settings import Settings

log = logging.getLogger(__name__)
DEMO_STORE_HEADER = ("cashier-tui demo store",)  # training vouchers without a store_header


@dataclass(frozen=True, slots=True)
class PrintResult:
    ok: bool
    code: str  # ok | offline | refused | timeout | dropped | paper_out | usb_backend | ...
    message: str
    preview_lines: tuple[str, ...] = field(default=())


def profile_columns(profile: str) -> int:
    """Font A columns of a printer profile (48 for 80 mm paper, 32 for 58 mm)."""
    if profile in PROFILES:
        return PROFILES[profile].columns
    from .escpos_render import open_dummy

    columns = open_dummy(profile).profile.profile_data["fonts"]["0"]["columns"]
    return 32 if int(columns) < 48 else 48


def codec_from_settings(settings: Settings) -> RefundCodec | None:
    """The refund QR codec of the settings, or None when no ``secret_path`` is set."""
    from pathlib import Path

    from cashier_tui.qrpayload import load_or_create_secret

    if not settings.secret_path:
        return None
    return RefundCodec(load_or_create_secret(Path(settings.secret_path)),
                       settings.refund_url_base or None)


class PrintService:
    def __init__(self, uri: str = "preview", profile: str = DEFAULT_PROFILE, timeout_s: float = 4.0,
                 store_header: Sequence[str] = (), voucher_cjk: str = "gb18030",
                 cjk_font: str | None = None, codec: RefundCodec | None = None,
                 training: bool = False) -> None:
        """Raises ``ValueError`` for a printer URI that is not one of the known forms."""
        self.target: VoucherTarget = parse_target(uri, profile)
        self.profile = profile
        self.timeout_s = float(timeout_s)
        self.store_header = tuple(store_header)
        self.voucher_cjk = voucher_cjk
        self.cjk_font = cjk_font
        self.codec = codec
        self.training = training
        self._columns: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, training: bool = False,
                      codec: RefundCodec | None = None, sign: bool = True) -> PrintService:
        """Built from the settings (printer, printer_profile, printer_timeout_s,
        store_header, voucher_cjk, cjk_font; refund_url_base and secret_path for the codec).
        Without ``codec`` one is made from the settings' secret, unless ``sign`` is False.
        """
        if codec is None and sign:
            codec = codec_from_settings(settings)
        return cls(settings.printer, profile=settings.printer_profile,
                   timeout_s=settings.printer_timeout_s, store_header=settings.store_header
                   or (DEMO_STORE_HEADER if training else ()),
                   voucher_cjk=settings.voucher_cjk,
                   cjk_font=settings.cjk_font,
                   codec=codec, training=training)

    @property
    def columns(self) -> int:
        if self._columns is None:
            self._columns = profile_columns(self.profile)
        return self._columns

    def qr_payload(self, refund: RefundView) -> str:
        if self.codec is None:
            return ""
        return self.codec.encode(refund.refund_no, refund.amount, refund.currency)

    def context(self, refund: RefundView, lang: str, *, reprint: bool = False,
                tz: tzinfo | None = None, open_drawer: bool = True,
                columns: int | None = None) -> VoucherContext:
        """How a voucher of ``refund`` is laid out. ``tz``: the till's time zone (the
        voucher's date and time are local); None takes the system's zone at that moment."""
        return VoucherContext(store_header=self.store_header, columns=columns or self.columns,
                              lang=lang, reprint=reprint,
                              training=self.training or refund.training,
                              qr_payload=self.qr_payload(refund),
                              tz=tz if tz is not None else refund.created_at.astimezone().tzinfo,
                              open_drawer=open_drawer)

    def voucher(self, refund: RefundView, lang: str, *, reprint: bool = False,
                tz: tzinfo | None = None, open_drawer: bool = True) -> list[Op]:
        """The document of a print job: customer copy, then merchant copy."""
        return voucher_job(refund, self.context(refund, lang, reprint=reprint, tz=tz,
                                                open_drawer=open_drawer))

    def preview(self, refund: RefundView, lang: str, *, reprint: bool = False,
                tz: tzinfo | None = None, columns: int | None = None) -> list[str]:
        """Text lines of the customer copy (for the done screen); nothing is printed.

        ``columns``: 32 or 48 (default: the printer's). The paper is always laid out at the
        printer's width; a screen too narrow for 48 columns shows the 32-column layout,
        which reflows the same content, rather than a cut-off 48-column one.
        """
        ctx = self.context(refund, lang, reprint=reprint, tz=tz, columns=columns)
        return render_preview(build_voucher(refund, ctx), ctx.columns)

    @property
    def prints_on_paper(self) -> bool:
        """True for a real printer (or a file of printer bytes), False for ``preview``."""
        return not isinstance(self.target, PreviewTarget)

    def print_refund(self, refund: RefundView, lang: str, *, reprint: bool = False,
                     tz: tzinfo | None = None, open_drawer: bool = True) -> PrintResult:
        """Print the customer and merchant copies. ``open_drawer``: kick the cash drawer
        for a cash refund (never on a reprint or in training, whatever it says)."""
        try:
            ops = self.voucher(refund, lang, reprint=reprint, tz=tz, open_drawer=open_drawer)
        except Exception as exc:  # a layout bug must not take the till down
            log.exception("voucher layout failed for %s", refund.refund_no)
            return PrintResult(False, "error", f"The voucher could not be laid out: {exc}")
        result = self.print_ops(ops)
        log.info("print %s %s: %s", "reprint" if reprint else "voucher", refund.refund_no,
                 result.code)
        return result

    def print_ops(self, ops: list[Op]) -> PrintResult:
        """Render and send any document; the result says what happened."""
        lines = tuple(render_preview(ops, self.columns))
        if isinstance(self.target, PreviewTarget):
            self.target.send("\n".join(lines).encode(), self.timeout_s)
            return PrintResult(True, "ok", "The voucher is shown on screen (printer: preview).",
                               lines)
        try:
            from .escpos_render import render_escpos
            from .images import CJKFontMissing

            try:
                data = render_escpos(ops, profile=self.profile, columns=self.columns,
                                     cjk=self.voucher_cjk, cjk_font=self.cjk_font)
            except CJKFontMissing as exc:
                return PrintResult(False, "no_cjk_font", str(exc), lines)
            self.target.send(data, self.timeout_s)
        except PrinterError as exc:
            log.warning("printer %s: %s", self.target, exc.code)
            return PrintResult(False, exc.code, exc.message, lines)
        except Exception as exc:
            log.exception("printing to %s failed", self.target)
            return PrintResult(False, "error", f"Printing failed: {exc}. Press p to print "
                               "again, or check the printer settings.", lines)
        return PrintResult(True, "ok", f"The voucher was sent to the printer ({self.target}).",
                           lines)
