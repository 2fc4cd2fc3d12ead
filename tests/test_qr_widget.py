"""The on-screen QR code scans: rebuild its bitmap from the rendered cells, decode it."""

from __future__ import annotations

import pytest
from PIL import Image
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Static

from cashier_tui.qrpayload import RefundClaim, RefundCodec
from screens.qr_widget import QRCode, auto_quiet_zone

CODEC = RefundCodec(bytes(range(32)))
URL_CODEC = RefundCodec(bytes(range(32)), "https://rf.shop.cn")


class QRApp(App):
    """The done screen's shape: a dark theme, the code beside the amount, 80x24."""

    def __init__(self, payload: str, quiet_zone: int | None = None) -> None:
        super().__init__()
        self.payload = payload
        self.quiet_zone = quiet_zone
        self.theme = "textual-dark"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield QRCode(self.payload, quiet_zone=self.quiet_zone, id="qr")
            yield Static("Refund R-T01-261122-0001\nCNY 237.00\nCard ****4321")
        yield Footer()


def luminance(color) -> float:
    r, g, b = color.get_truecolor()
    return 0.299 * r + 0.587 * g + 0.114 * b


def screen_bitmap(app: App, scale: int = 8) -> tuple[Image.Image, dict[str, int]]:
    """What the screen shows, as black/white pixels: each cell is two square modules."""
    strips = app.screen._compositor.render_strips()
    height, width = len(strips), max(s.cell_length for s in strips)
    img = Image.new("L", (width, height * 2), 255)
    styles_seen: dict[str, int] = {}
    for y, strip in enumerate(strips):
        x = 0
        for segment in strip:
            style = segment.style
            for ch in segment.text:
                fg = style.color if style and style.color else None
                bg = style.bgcolor if style and style.bgcolor else None
                fg_dark = fg is not None and luminance(fg) < 128
                bg_dark = bg is None or luminance(bg) < 128
                top = fg_dark if ch in "█▀" else bg_dark
                bottom = fg_dark if ch in "█▄" else bg_dark
                img.putpixel((x, 2 * y), 0 if top else 255)
                img.putpixel((x, 2 * y + 1), 0 if bottom else 255)
                if ch in "█▀▄":
                    key = f"{fg.name if fg else None}/{bg.name if bg else None}"
                    styles_seen[key] = styles_seen.get(key, 0) + 1
                x += 1
    return img.resize((width * scale, height * 2 * scale), Image.NEAREST), styles_seen


def decode(img: Image.Image) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(img) if str(r.format) == "QR Code"]


@pytest.mark.parametrize(
    ("payload", "quiet"),
    [
        (CODEC.encode("R-T01-261122-0001", 23700, "CNY"), None),  # version 3, quiet 4
        (URL_CODEC.encode("R-T01-261122-0001", 9_999_999, "CNY"), None),  # version 4, quiet 2
        (CODEC.encode("R-T01-261122-0001", 23700, "CNY"), 2),
    ],
    ids=["text-claim", "url-version-4", "quiet-2"],
)
async def test_rendered_cells_decode_back_to_the_refund(payload: str, quiet) -> None:
    app = QRApp(payload, quiet)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        widget = app.query_one("#qr", QRCode)
        # It fits beside the amount on an 80x24 screen.
        assert widget.region.width <= 37 and widget.region.height <= 19
        assert widget.region.right <= 80 - 30 and widget.region.bottom <= 23
        bitmap, styles = screen_bitmap(app)
    # Explicit black on white, whatever the theme.
    assert set(styles) == {"#000000/#ffffff"}, styles
    # The whole screen, dark theme around the code included, as a phone camera sees it.
    assert decode(bitmap) == [payload]
    assert CODEC.decode(decode(bitmap)[0]) == RefundClaim("R-T01-261122-0001",
                                                          CODEC.decode(payload).amount, "CNY")


def test_quiet_zone_keeps_a_version_4_code_within_37_modules() -> None:
    assert [auto_quiet_zone(n) for n in (21, 25, 29, 33)] == [4, 4, 4, 2]


async def test_changing_the_data_redraws() -> None:
    first = CODEC.encode("R-T01-261122-0001", 100, "CNY")
    second = CODEC.encode("R-T01-261122-0002", 200, "CNY")
    app = QRApp(first)
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one("#qr", QRCode)
        widget.data = second
        await pilot.pause()
        bitmap, _ = screen_bitmap(app)
    assert decode(bitmap) == [second]
