"""The voucher layout and its ESC/POS bytes: widths, both languages, marks, Chinese bytes."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from cashier_tui.qrpayload import RefundCodec
from printers.escpos_render import gb18030_bytes, render_escpos
from printers.images import CJKFontMissing, find_cjk_font
from printers.layout import (
    QR,
    Barcode,
    Text,
    VoucherContext,
    build_voucher,
    cells,
    fit,
    pair,
    voucher_job,
    wrap,
)
from printers.preview import render_preview
from tests.printer_fakes import cash_refund, decode_codes, read_escpos, sample_refund

CODEC = RefundCodec(bytes(range(32)))
PROFILES = {32: "POS-5890", 48: "TM-T20II"}
HEADER = ["Example Store 示例商店 Nanjing Road East branch, Shanghai", "Tel 021-1234 5678"]
KICK = b"\x1bp\x00\x32\x32"  # ESC p 0 50 50: pulse on drawer pin 2


def context(columns=48, lang="en", **changes) -> VoucherContext:
    refund = sample_refund()
    values = dict(store_header=HEADER, columns=columns, lang=lang,
                  qr_payload=CODEC.encode(refund.refund_no, refund.amount, refund.currency))
    values.update(changes)
    return VoucherContext(**values)


def long_refund():
    from dataclasses import replace

    refund = sample_refund(reason="other", note="客户说杯盖漏水，已检查属实，同意退款并回收商品。",
                           reason_text="Lid leaks when the cup is tipped over, checked at desk")
    name = "超长商品名称测试：不锈钢真空保温杯大容量户外运动水壶 1000ml 黑色"
    return replace(refund, lines=(replace(refund.lines[0], name=name), refund.lines[1]))


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("marks", [False, True], ids=["plain", "training+reprint"])
def test_no_line_is_wider_than_the_paper(columns: int, lang: str, marks: bool) -> None:
    for refund in (sample_refund(), long_refund(), cash_refund()):
        ops = voucher_job(refund, context(columns, lang, training=marks, reprint=marks))
        texts = [op for op in ops if isinstance(op, Text)]
        assert len(texts) > 20
        for op in texts:
            assert cells(op.text) * op.size <= columns, op
            assert cell_len(op.text) * op.size <= columns, op
        for line in render_preview(ops, columns):
            assert cell_len(line) <= columns, line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_voucher_fields(lang: str) -> None:
    text = "\n".join(render_preview(build_voucher(sample_refund(), context(32, lang)), 32))
    for field in ("R-T01-261122-0001", "S01-T02-20261120-0042", "2026-11-22 14:03:05", "C007",
                  "M001", "****4321", "保温杯 500ml", "Example Store"):
        assert field in text, field
    expected = {
        "en": ["Refund voucher", "Card ****4321", "WeChat Pay", "CNY 150.00", "CNY 237.00",
               "Defective", "Customer copy"],
        "zh": ["退款凭证", "银行卡 ****4321", "微信支付", "￥150.00", "￥237.00", "质量问题",
               "顾客联"],
    }[lang]
    for word in expected:
        assert word in text, word
    assert "TRAINING" not in text and "REPRINT" not in text and "培训" not in text


def test_customer_then_merchant_copy_with_signature_line() -> None:
    ops = voucher_job(sample_refund(), context(48, "zh"))
    text = "\n".join(render_preview(ops, 48))
    assert text.index("顾客联") < text.index("商户联") < text.index("顾客签名")
    assert "_" * 48 in text
    assert sum(isinstance(op, QR) for op in ops) == 2
    assert [op.data for op in ops if isinstance(op, Barcode)] == ["R-T01-261122-0001"] * 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_training_and_reprint_marks(lang: str) -> None:
    ops = voucher_job(sample_refund(), context(32, lang, training=True, reprint=True))
    marks = [op for op in ops if isinstance(op, Text) and op.invert]
    training = {"en": "TRAINING", "zh": "培训模式"}[lang]
    reprint = {"en": "REPRINT", "zh": "重打"}[lang]
    # top and bottom of each copy
    assert sum(training in op.text for op in marks) == 4
    assert sum(reprint in op.text for op in marks) == 4
    # a refund made in demo mode is marked even when the service is not in training
    ops = build_voucher(sample_refund(training=True), context(32, lang))
    assert any(training in op.text for op in ops if isinstance(op, Text))


def test_gb18030_bytes_exactly() -> None:
    assert gb18030_bytes("Total 12.00") == b"Total 12.00"
    assert gb18030_bytes("退款凭证") == b"\x1c&\xcd\xcb\xbf\xee\xc6\xbe\xd6\xa4\x1c."
    assert gb18030_bytes("2 x 保温杯 500ml") == (
        b"2 x \x1c&\xb1\xa3\xce\xc2\xb1\xad\x1c. 500ml")
    assert gb18030_bytes("￥108.00") == b"\x1c&\xa3\xa4\x1c.108.00"
    assert gb18030_bytes("微信支付 ..7788") == (
        b"\x1c&\xce\xa2\xd0\xc5\xd6\xa7\xb8\xb6\x1c. ..7788")
    # A character without a two-byte GB code is not sent as a four-byte sequence.
    assert gb18030_bytes("😀") == b"\x1c&\xa3\xbf\x1c."  # a full-width question mark


def test_chinese_voucher_stream_in_gb18030_mode() -> None:
    ops = voucher_job(sample_refund(), context(48, "zh"))
    data = render_escpos(ops, profile="TM-T20II", columns=48, cjk="gb18030")
    assert data.startswith(b"\x1b@\x1c.")  # INIT, then out of Chinese mode
    # the title: centred, bold, double size through GS ! (which enlarges Han text too)
    title = b"\x1d!\x11\x1bE\x01\x1ba\x01\x1dB\x00" + gb18030_bytes("退款凭证") + b"\n"
    assert data.count(title) == 2
    stream = read_escpos(data)  # fails on any byte >= 0x80 outside FS & ... FS .
    expected = [op.text for op in ops if isinstance(op, Text)]
    assert [line for line in stream.lines if line] == [t for t in expected if t]
    assert stream.cuts == 2 and stream.kicks == 0


def test_codes_on_paper_scan(tmp_path) -> None:
    for columns, profile in PROFILES.items():
        ops = build_voucher(sample_refund(), context(columns, "en"))
        stream = read_escpos(render_escpos(ops, profile=profile, columns=columns))
        found = [code for img in stream.images for code in decode_codes(img)]
        payload = CODEC.encode("R-T01-261122-0001", 23700, "CNY")
        assert found == [("Code 128", "R-T01-261122-0001"), ("QR Code", payload)], columns
        assert all(img.width <= columns * 12 for img in stream.images)


def test_drawer_kick_only_for_a_new_cash_refund() -> None:
    def kicks(refund, **changes) -> int:
        data = render_escpos(voucher_job(refund, context(48, **changes)), columns=48)
        return data.count(KICK)

    assert kicks(cash_refund()) == 1
    assert render_escpos(voucher_job(cash_refund(), context(48)), columns=48).startswith(
        b"\x1b@\x1c." + KICK)  # the drawer opens as printing starts
    assert kicks(cash_refund(), reprint=True) == 0
    assert kicks(cash_refund(), training=True) == 0
    assert kicks(cash_refund(), open_drawer=False) == 0  # the drawer was opened already
    assert kicks(sample_refund()) == 0


def _font_or_skip() -> str:
    try:
        return find_cjk_font(None)
    except CJKFontMissing:
        if os.environ.get("CI"):
            raise  # CI installs fonts-wqy-microhei: a missing font there is a failure
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")


@pytest.mark.parametrize("columns", [32, 48])
def test_chinese_voucher_in_image_mode(columns: int) -> None:
    _font_or_skip()
    ops = build_voucher(sample_refund(), context(columns, "zh", training=True))
    data = render_escpos(ops, profile=PROFILES[columns], columns=columns, cjk="image")
    assert b"\x1c&" not in data
    stream = read_escpos(data)
    han_lines = [op for op in ops if isinstance(op, Text) and not op.text.isascii()]
    text_images = [img for img in stream.images if img.height in (30, 60)]  # 1x, 2x lines
    assert len(stream.images) == len(han_lines) + 2 == len(text_images) + 2  # + the 2 codes
    assert {img.width for img in text_images} == {columns * 12}
    ascii_lines = [op.text for op in ops if isinstance(op, Text) and op.text.isascii()]
    assert [line for line in stream.lines if line] == [t for t in ascii_lines if t]
    # the drawn lines have ink: the font really has the glyphs
    assert all(img.getextrema()[0] == 0 for img in stream.images)


def test_missing_font_is_a_clear_error() -> None:
    ops = build_voucher(sample_refund(), context(48, "zh"))
    with pytest.raises(CJKFontMissing, match="cjk_font"):
        render_escpos(ops, cjk="image", cjk_font="/nonexistent/font.ttc")
    # an English voucher of ASCII text needs no font at all
    ascii_only = [op for op in ops if not isinstance(op, Text) or op.text.isascii()]
    assert render_escpos(ascii_only, cjk="image", cjk_font="/nonexistent/font.ttc")


WORDS = st.text(alphabet=st.sampled_from("ab xyz 0-9 保温杯退款凭证 ￥…."), max_size=120)


@given(text=WORDS, other=WORDS, width=st.integers(min_value=4, max_value=48))
def test_fit_wrap_pair_never_overflow(text: str, other: str, width: int) -> None:
    assert cells(fit(text, width)) <= width
    lines = wrap(text, width)
    assert all(cells(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
    assert all(cells(line) <= width for line in pair(text, fit(other, width), width))


def test_date_and_time_in_the_tills_zone() -> None:
    """A refund made at 15:00 in Shanghai is stored as 07:00 UTC; the voucher says 15:00."""
    from datetime import UTC, datetime

    from printers.service import PrintService
    from tests.printer_fakes import CST

    made = sample_refund(created_at=datetime(2026, 11, 20, 7, 0, 0, tzinfo=UTC))
    late = sample_refund(created_at=datetime(2026, 11, 20, 17, 30, 0, tzinfo=UTC))
    for lang in ("en", "zh"):
        text = "\n".join(render_preview(build_voucher(made, context(32, lang, tz=CST)), 32))
        assert "2026-11-20 15:00:00" in text and "07:00" not in text
        text = "\n".join(render_preview(build_voucher(late, context(48, lang, tz=CST)), 48))
        assert "2026-11-21 01:30:00" in text  # past midnight in Shanghai: the next day
    service = PrintService("preview", codec=CODEC)
    assert "2026-11-20 15:00:00" in "\n".join(service.preview(made, "en", tz=CST))
    printed = service.print_refund(made, "en", tz=CST)
    assert "2026-11-20 15:00:00" in "\n".join(printed.preview_lines)


def test_without_a_zone_the_system_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import time
    from datetime import UTC, datetime

    from printers.service import PrintService

    made = sample_refund(created_at=datetime(2026, 11, 20, 7, 0, 0, tzinfo=UTC))
    monkeypatch.setenv("TZ", "CST-8")  # POSIX form: no tzdata needed
    time.tzset()
    try:
        lines = PrintService("preview", codec=CODEC).preview(made, "en")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "2026-11-20 15:00:00" in "\n".join(lines)


@pytest.mark.parametrize(("lang", "says"), [("en", "Cash for Card ****4321"),
                                            ("zh", "现金（代替银行卡 ****4321）")])
@pytest.mark.parametrize("columns", [32, 48])
def test_cash_paid_for_a_card_says_which_card(lang: str, says: str, columns: int) -> None:
    """Issue 16.12: the voucher said only "Cash" (现金), not which payment it replaced."""
    lines = render_preview(build_voucher(cash_refund(), context(columns, lang)), columns)
    assert any(line.strip().startswith(says) for line in lines), "\n".join(lines)
