"""``demo-receipts`` sheets scan with a real decoder; ``print-test`` reaches the printer."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from printers.commands import build_receipt, demo_receipts, print_test, read_sales
from printers.layout import Text, cells
from tests.printer_fakes import FakePrinter, closed_port, decode_codes, read_escpos

SALES = [
    {"receipt_no": "S01-T02-20261120-0042", "sold_at": "2026-11-20T14:03:00+08:00",
     "store": "S01", "till": "T02", "cashier": "C007", "currency": "CNY",
     "status": "completed",
     "lines": [{"sku": "6901234567892", "name": "保温杯 500ml", "qty": 2, "unit_price": "59.00",
                "discount": "10.00", "tax_rate": "0.13"}],
     "payments": [{"method": "card", "amount": "60.00", "reference": "AUTH123456",
                   "card_last4": "4321", "settled": True},
                  {"method": "cash", "amount": "48.00"}]},
    {"receipt_no": "1047", "sold_at": "2026-11-19T10:00:00+08:00", "store": "S01",
     "till": "T01", "cashier": "C001", "currency": "CNY", "status": "voided",
     "lines": [{"sku": "6923450001011", "name": "Long-sleeve cotton shirt, navy blue, XL",
                "qty": 1, "unit_price": "129.00"}],
     "payments": [{"method": "wechat", "amount": "129.00", "reference": "WX4200001003"}]},
]


def settings(**changes) -> SimpleNamespace:
    values = dict(printer="preview", printer_profile="TM-T20II", printer_timeout_s=2,
                  store_header=["Example Store 示例商店"], voucher_cjk="gb18030", cjk_font=None,
                  lang="en", refund_url_base=None, secret_path=None)
    values.update(changes)
    return SimpleNamespace(**values)


@pytest.fixture
def sales_file(tmp_path: Path) -> Path:
    path = tmp_path / "sales.jsonl"
    path.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in SALES) + "\n")
    return path


def barcodes(path: Path) -> list[str]:
    return sorted(text for fmt, text in decode_codes(Image.open(path)) if fmt == "Code 128")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sheet_barcodes_decode(tmp_path: Path, sales_file: Path, lang: str, capsys) -> None:
    out = tmp_path / "sheet.png"
    assert demo_receipts(settings(lang=lang), out, source=sales_file) == 0
    assert barcodes(out) == ["1047", "S01-T02-20261120-0042"]
    assert str(out) in capsys.readouterr().out


def test_pdf_sheet(tmp_path: Path, sales_file: Path) -> None:
    out = tmp_path / "nested" / "sheet.pdf"
    assert demo_receipts(settings(), out, source=sales_file) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") >= 1


def test_receipt_layout(sales_file: Path) -> None:
    for lang in ("en", "zh"):
        for sale in read_sales(sales_file):
            ops = build_receipt(sale, 48, lang, ["Example Store"])
            lines = [op.text for op in ops if isinstance(op, Text)]
            assert all(cells(x) <= 48 for x in lines)
            text = "\n".join(lines)
            assert sale["receipt_no"] in text
    zh = "\n".join(op.text for op in build_receipt(SALES[0], 48, "zh") if isinstance(op, Text))
    assert "￥108.00" in zh and "银行卡 ****4321" in zh and "现金" in zh  # 2 x 59 - 10
    en = "\n".join(op.text for op in build_receipt(SALES[1], 48, "en") if isinstance(op, Text))
    assert "VOIDED" in en and "TRAINING" in en


def test_shipped_demo_sales_all_scan(tmp_path: Path) -> None:
    sales = read_sales()  # cashier_tui.data/demo_sales.jsonl
    assert len(sales) >= 10
    out = tmp_path / "demo.png"
    assert demo_receipts(settings(lang="zh"), out) == 0
    assert barcodes(out) == sorted(s["receipt_no"] for s in sales)


def test_bad_suffix_and_missing_file(tmp_path: Path, capsys) -> None:
    assert demo_receipts(settings(), tmp_path / "sheet.txt") == 2
    assert ".pdf or .png" in capsys.readouterr().err
    assert demo_receipts(settings(), tmp_path / "s.png", source=tmp_path / "none.jsonl") == 1
    assert "Cannot read the demo sales" in capsys.readouterr().err


def test_print_test_reaches_the_printer(capsys) -> None:
    fake = FakePrinter()
    try:
        assert print_test(settings(printer=fake.uri, lang="zh")) == 0
        assert fake.done.wait(5)
    finally:
        fake.close()
    stream = read_escpos(bytes(fake.received))
    assert "打印测试" in stream.text and "退款凭证" in stream.text
    assert "123456789012345678901234567890123456789012345678" in stream.text
    codes = [code for img in stream.images for code in decode_codes(img)]
    assert codes == [("Code 128", "TEST-0001"), ("QR Code", "CASHIER-TUI PRINT TEST")]
    assert fake.uri in capsys.readouterr().out


def test_print_test_failures_exit_1_or_2(capsys) -> None:
    port = closed_port()
    assert print_test(settings(printer=f"tcp://127.0.0.1:{port}")) == 1
    assert f"127.0.0.1:{port} is not answering" in capsys.readouterr().err
    assert print_test(settings(printer="parallel:/dev/lp0")) == 2
    assert "is not a printer address" in capsys.readouterr().err


def test_print_test_preview_shows_the_page(capsys) -> None:
    assert print_test(settings(printer_profile="POS-5890")) == 0
    out = capsys.readouterr().out
    assert "Printer test" in out and "12345678901234567890123456789012" in out
