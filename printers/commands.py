"""``cashier-tui print-test`` and ``cashier-tui demo-receipts``.

``settings`` is the app's Settings; only these attributes are read: printer,
printer_profile, printer_timeout_s, store_header, voucher_cjk, cjk_font, lang,
refund_url_base, secret_path. Both return an exit code (0 ok, 1 failed, 2 bad usage) and
write one plain message, to stdout when it worked and to stderr when it did not.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from cashier_tui.money import parse_amount

from .layout import QR, Barcode, Cut, Feed, Op, Text, fit, pair, paper_money
from .strings import LANGS, method_label, t

if TYPE_CHECKING:
    from cashier_tui.settings import Settings

DEMO_FILE = "demo_sales.jsonl"


def _lang(settings: Settings) -> str:
    lang = settings.lang or "en"
    return lang if lang in LANGS else "en"


def printer_test_page(columns: int, lang: str, profile: str, cjk: str) -> list[Op]:
    """A short page that shows width, Chinese, bold, double size and both codes print."""
    ruler = "".join(str(i % 10) for i in range(1, columns + 1))
    return [
        Text(fit(t(lang, "test_title"), columns // 2), align="center", bold=True, size=2),
        Text(fit(f"{profile} {columns} cols {cjk}", columns)),
        Text(ruler),
        *(Text(line) for line in pair(t(lang, "test_cjk"), "退款凭证 小票 现金 ￥12.50",
                                      columns)),
        Text(fit(t(lang, "test_body"), columns), bold=True),
        Barcode("TEST-0001"),
        Text("TEST-0001", align="center"),
        QR("CASHIER-TUI PRINT TEST"),
        Feed(1),
        Cut(),
    ]


def print_test(settings: Settings) -> int:
    """Print a test page on ``settings.printer``; 0 when the printer took it."""
    from .service import PrintService

    try:
        service = PrintService.from_settings(settings, sign=False)
        ops = printer_test_page(service.columns, _lang(settings), service.profile,
                                service.voucher_cjk)
        result = service.print_ops(ops)
    except ValueError as exc:  # a printer URI or setting that cannot work
        print(str(exc), file=sys.stderr)
        return 2
    if not result.ok:
        print(result.message, file=sys.stderr)
        return 1
    if service.target.uri == "preview":
        print("\n".join(result.preview_lines))
    print(f"Test page sent to {service.target.uri}.")
    return 0


# --- demo receipts ---------------------------------------------------------------------------

def read_sales(source: Path | None = None) -> list[dict]:
    """The demo sales (``cashier_tui.data/demo_sales.jsonl``), or the JSON Lines ``source``."""
    if source is None:
        text = resources.files("cashier_tui.data").joinpath(DEMO_FILE).read_text("utf-8")
    else:
        text = Path(source).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def build_receipt(sale: dict, columns: int, lang: str, store_header: Iterable[str] = ()
                  ) -> list[Op]:
    """A sales receipt as the till would print it, with its Code128 receipt number."""
    cur = sale["currency"]
    ops: list[Op] = [Text(fit(f"*** {t(lang, 'training')} ***", columns), align="center",
                          bold=True, invert=True)]
    ops += [Text(fit(line, columns), align="center") for line in store_header]
    ops.append(Text(fit(t(lang, "receipt_title"), columns // 2), align="center", bold=True,
                    size=2))
    if sale.get("status") == "voided":
        ops.append(Text(f"*** {t(lang, 'voided')} ***", align="center", bold=True,
                        invert=True))
    sold = datetime.fromisoformat(sale["sold_at"]).strftime("%Y-%m-%d %H:%M")
    for key, value in (("receipt_no", sale["receipt_no"]), ("date", sold),
                       ("cashier", f"{sale.get('store', '')}/{sale.get('till', '')} "
                                   f"{sale.get('cashier', '')}")):
        ops += [Text(x) for x in pair(f"{t(lang, key)}:", value, columns)]
    ops.append(Text("-" * columns))
    total = 0
    for line in sale["lines"]:
        qty = int(line["qty"])
        net = qty * parse_amount(line["unit_price"], cur) - parse_amount(
            line.get("discount", "0"), cur, allow_zero=True)
        total += net
        ops += [Text(x) for x in pair(f"{qty} x {line['name']}", paper_money(net, cur, lang),
                                      columns)]
    ops.append(Text("-" * columns))
    ops += [Text(x, bold=True) for x in pair(t(lang, "receipt_total"),
                                              paper_money(total, cur, lang), columns)]
    for pay in sale["payments"]:
        label = method_label(lang, pay["method"])
        if pay.get("card_last4"):
            label = f"{label} ****{pay['card_last4']}"
        ops += [Text(x) for x in pair(f"  {label}", paper_money(
            parse_amount(pay["amount"], cur), cur, lang), columns)]
    ops += [Feed(1), Barcode(sale["receipt_no"]),
            Text(fit(sale["receipt_no"], columns), align="center"),
            Text(fit(t(lang, "receipt_scan"), columns), align="center"), Feed(1)]
    return ops


def demo_receipts(settings: Settings, out: Path, *, source: Path | None = None) -> int:
    """Every demo sale as a paper receipt with its barcode, in a PDF or PNG (by suffix)."""
    from .paper_image import DPI, paper_font, render_image, sheets

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".png"):
        print(f"{out}: the sheet is written as .pdf or .png; choose one of those names.",
              file=sys.stderr)
        return 2
    try:
        sales = read_sales(source)
    except (OSError, ValueError) as exc:
        print(f"Cannot read the demo sales: {exc}", file=sys.stderr)
        return 1
    lang, columns = _lang(settings), 48
    font = paper_font(settings.cjk_font)
    header = list(settings.store_header)
    strips = [render_image(build_receipt(sale, columns, lang, header), columns, font)
              for sale in sales]
    pages = sheets(strips)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".pdf":
            pages[0].save(out, save_all=True, append_images=pages[1:], resolution=DPI)
        else:
            from PIL import Image

            sheet = Image.new("L", (pages[0].width, sum(p.height for p in pages)), 255)
            for i, page in enumerate(pages):
                sheet.paste(page, (0, i * page.height))
            sheet.save(out, dpi=(DPI, DPI))
    except OSError as exc:
        print(f"Cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(sales)} demo receipts on {len(pages)} page(s): {out}")
    return 0
