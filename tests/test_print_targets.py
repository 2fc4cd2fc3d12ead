"""Printing through real targets: a loopback fake network printer, a file, the preview.

The voucher that reaches the fake printer is read back byte by byte: its raster images are
scanned with zxing-cpp. Every failure comes back as a PrintResult, within the timeout.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from cashier_tui.qrpayload import RefundCodec
from printers.service import PrintResult, PrintService
from printers.targets import (
    FileTarget,
    LpTarget,
    PreviewTarget,
    SerialTarget,
    UsbTarget,
    parse_target,
)
from tests.printer_fakes import FakePrinter, closed_port, decode_codes, read_escpos, sample_refund

CODEC = RefundCodec(bytes(range(32)))
TIMEOUT = 1.5


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import python-escpos and render once, so timings below are the printer's alone."""
    service("preview").voucher(sample_refund(), "en")
    from printers.escpos_render import render_escpos

    render_escpos(service("preview").voucher(sample_refund(), "en"))


@pytest.fixture
def fake(request):
    printer = FakePrinter(getattr(request, "param", "ok"))
    yield printer
    printer.close()


def service(uri: str, **changes) -> PrintService:
    values = dict(profile="TM-T20II", timeout_s=TIMEOUT, store_header=["Example Store"],
                  codec=CODEC)
    values.update(changes)
    return PrintService(uri, **values)


def timed(svc: PrintService, lang: str = "en", **kw) -> tuple[PrintResult, float]:
    start = time.monotonic()
    result = svc.print_refund(sample_refund(), lang, **kw)
    return result, time.monotonic() - start


def test_voucher_over_tcp_decodes(fake: FakePrinter) -> None:
    result, _ = timed(service(fake.uri))
    assert (result.ok, result.code) == (True, "ok"), result.message
    assert fake.done.wait(5)
    stream = read_escpos(bytes(fake.received))
    codes = [code for img in stream.images for code in decode_codes(img)]
    payload = CODEC.encode("R-T01-261122-0001", 23700, "CNY")
    assert codes == [("Code 128", "R-T01-261122-0001"), ("QR Code", payload)] * 2
    for text in ("Refund voucher", "Receipt:", "S01-T02-20261120-0042", "Card ****4321",
                 "CNY 237.00", "Customer copy", "Merchant copy", "Example Store"):
        assert text in stream.text, text
    assert stream.cuts == 2
    # the paper status was asked before and after the job, and answered
    assert bytes(fake.received).startswith(b"\x10\x04\x04\x1b@")
    assert bytes(fake.received).endswith(b"\x1dV\x00\x10\x04\x04")
    assert "REPRINT" not in stream.text
    assert result.preview_lines and "R-T01-261122-0001" in "\n".join(result.preview_lines)


def test_chinese_reprint_over_tcp(fake: FakePrinter) -> None:
    result, _ = timed(service(fake.uri, training=True), "zh", reprint=True)
    assert result.ok, result.message
    assert fake.done.wait(5)
    stream = read_escpos(bytes(fake.received))
    for text in ("退款凭证", "*** 重打 ***", "培训模式", "顾客联", "商户联", "银行卡 ****4321"):
        assert text in stream.text, text


def test_nothing_listening_is_offline() -> None:
    port = closed_port()
    result, elapsed = timed(service(f"tcp://127.0.0.1:{port}"))
    assert (result.ok, result.code) == (False, "offline")
    assert result.message == (f"The printer at 127.0.0.1:{port} is not answering. Check it "
                              "is on and connected, then press p to print again.")
    assert elapsed < TIMEOUT
    assert result.preview_lines  # the voucher can still be shown and printed later


@pytest.mark.parametrize("fake", ["busy"], indirect=True)
def test_printer_closing_at_once_refused(fake: FakePrinter) -> None:
    result, elapsed = timed(service(fake.uri))
    assert (result.ok, result.code) == (False, "refused"), result.message
    assert "127.0.0.1" in result.message and "press p" in result.message
    assert elapsed < TIMEOUT


@pytest.mark.parametrize("fake", ["silent"], indirect=True)
def test_printer_that_never_reads_times_out(fake: FakePrinter) -> None:
    result, elapsed = timed(service(fake.uri))
    assert (result.ok, result.code) == (False, "timeout"), result.message
    assert "stopped taking the voucher" in result.message
    assert TIMEOUT * 0.9 < elapsed < TIMEOUT + 1.0  # not the library's 60 s


@pytest.mark.parametrize("fake", ["hoard"], indirect=True)
def test_printer_that_takes_nothing_is_not_confirmed(fake: FakePrinter) -> None:
    """The whole job fits the socket buffers of a printer that never reads: sent is not
    printed. No status answer after the job, no clean close after our half-close: the job
    is not confirmed, within the timeout."""
    from printers.escpos_render import render_escpos

    assert len(render_escpos(service(fake.uri).voucher(sample_refund(), "en"))) > 40_000
    result, elapsed = timed(service(fake.uri))
    assert (result.ok, result.code) == (False, "unconfirmed"), result.message
    assert result.message == (f"The printer at 127.0.0.1:{fake.port} did not confirm it took "
                              "the voucher. If it did not come out, then press p to print "
                              "again.")
    assert TIMEOUT * 0.9 < elapsed < TIMEOUT + 1.0


@pytest.mark.parametrize("fake", ["drop"], indirect=True)
def test_connection_dropped_mid_job(fake: FakePrinter) -> None:
    result, elapsed = timed(service(fake.uri))
    assert (result.ok, result.code) == (False, "dropped"), result.message
    assert "broke during printing" in result.message
    assert elapsed < TIMEOUT
    assert fake.done.wait(5) and 2000 <= len(fake.received) < 40000


@pytest.mark.parametrize("fake", ["paper_out"], indirect=True)
def test_paper_out_reported_before_sending(fake: FakePrinter) -> None:
    result, elapsed = timed(service(fake.uri))
    assert (result.ok, result.code) == (False, "paper_out"), result.message
    assert "out of paper" in result.message
    assert fake.done.wait(5)
    assert bytes(fake.received) == b"\x10\x04\x04"  # only the status question went out
    assert elapsed < TIMEOUT


@pytest.mark.parametrize("fake", ["mute"], indirect=True)
def test_printer_without_status_still_prints(fake: FakePrinter) -> None:
    result, elapsed = timed(service(fake.uri))
    assert result.ok, result.message
    assert fake.done.wait(5)
    assert len(read_escpos(bytes(fake.received)).images) == 4
    assert elapsed < TIMEOUT


def test_file_target_appends(tmp_path: Path) -> None:
    path = tmp_path / "out" / "voucher.bin"
    svc = service(f"file:{path}")
    assert svc.print_refund(sample_refund(), "en").ok
    first = path.read_bytes()
    assert svc.print_refund(sample_refund(), "en", reprint=True).ok
    data = path.read_bytes()
    assert data.startswith(first) and len(data) > len(first)
    stream = read_escpos(data)
    assert stream.text.count("Refund voucher") == 4 and stream.text.count("REPRINT") == 4


def test_file_target_unwritable(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    result = service(f"file:{tmp_path / 'dir'}").print_refund(sample_refund(), "en")
    assert (result.ok, result.code) == (False, "file_error")


def test_preview_keeps_the_job_in_memory() -> None:
    svc = service("preview")
    result = svc.print_refund(sample_refund(), "zh")
    assert (result.ok, result.code) == (True, "ok")
    assert "退款凭证" in "\n".join(result.preview_lines)
    assert isinstance(svc.target, PreviewTarget) and len(svc.target.jobs) == 1


def test_missing_cjk_font_is_a_result_not_a_crash(tmp_path: Path) -> None:
    svc = service(f"file:{tmp_path / 'v.bin'}", voucher_cjk="image",
                  cjk_font="/nonexistent/font.ttc")
    result = svc.print_refund(sample_refund(), "zh")
    assert (result.ok, result.code) == (False, "no_cjk_font")
    assert "cjk_font" in result.message and not (tmp_path / "v.bin").exists()


def test_usb_without_backend_or_device_is_reported() -> None:
    result, elapsed = timed(service("usb://04b8:0202"))
    assert not result.ok and result.code in ("usb_backend", "offline"), result.message
    assert elapsed < TIMEOUT


def test_serial_port_missing_is_offline() -> None:
    result = service("serial:///dev/ttyNOSUCHPORT?baud=19200").print_refund(sample_refund(),
                                                                            "en")
    assert (result.ok, result.code) == (False, "offline"), result.message


def test_parse_target_forms() -> None:
    assert isinstance(parse_target("preview"), PreviewTarget)
    assert parse_target("file:/tmp/x.bin") == FileTarget(Path("/tmp/x.bin"), uri="file:/tmp/x.bin")
    assert parse_target("file:///tmp/x.bin").path == Path("/tmp/x.bin")
    net = parse_target("tcp://10.0.0.5")
    assert (net.host, net.port) == ("10.0.0.5", 9100)
    assert parse_target("tcp://printer.local:9101").port == 9101
    usb = parse_target("usb://04b8:0e15")
    assert isinstance(usb, UsbTarget) and (usb.vendor, usb.product) == (0x04B8, 0x0E15)
    serial = parse_target("serial:///dev/ttyUSB0?baud=9600")
    assert isinstance(serial, SerialTarget) and (serial.device, serial.baud) == (
        "/dev/ttyUSB0", 9600)
    assert parse_target("serial:///dev/ttyS1").baud == 9600
    lp = parse_target("lp://TM_T20")
    assert isinstance(lp, LpTarget) and lp.queue == "TM_T20"


@pytest.mark.parametrize("uri", ["", "printer", "tcp://", "tcp://host:notaport", "usb://04b8",
                                 "usb://zz:01", "serial://ttyUSB0", "lp://", "http://x:9100",
                                 "file:", "serial:///dev/ttyUSB0?baud=fast"])
def test_bad_uri_names_the_forms(uri: str) -> None:
    with pytest.raises(ValueError) as info:
        PrintService(uri)
    message = str(info.value)
    assert "is not a printer address" in message
    for form in ("preview", "file:PATH", "tcp://HOST[:9100]", "usb://VID:PID",
                 "serial:///dev/ttyUSB0?baud=9600", "lp://QUEUE"):
        assert form in message


def test_from_settings(tmp_path: Path, fake: FakePrinter) -> None:
    settings = SimpleNamespace(printer=fake.uri, printer_profile="POS-5890",
                               printer_timeout_s=2, store_header=["Shop 商店"],
                               voucher_cjk="gb18030", cjk_font=None, lang="zh",
                               refund_url_base=None, secret_path=tmp_path / "secret.key")
    svc = PrintService.from_settings(settings, training=True)
    assert svc.columns == 32 and svc.timeout_s == 2 and svc.training
    result = svc.print_refund(sample_refund(), "zh")
    assert result.ok, result.message
    assert fake.done.wait(5)
    stream = read_escpos(bytes(fake.received))
    qr = [text for img in stream.images for fmt, text in decode_codes(img) if fmt == "QR Code"]
    assert svc.codec.decode(qr[0]).refund_no == "R-T01-261122-0001"
    assert all(len(line) <= 32 for line in result.preview_lines)


def test_a_real_till_prints_no_made_up_store_name() -> None:
    """Issue 16.12: without a store_header a real till printed "cashier-tui demo store"."""
    from cashier_tui.settings import load_settings

    settings = load_settings()
    assert PrintService.from_settings(settings, sign=False).store_header == ()
    assert PrintService.from_settings(settings, training=True, sign=False).store_header == (
        "cashier-tui demo store",)
    text = "\n".join(PrintService.from_settings(settings, sign=False).preview(
        sample_refund(), "en"))
    assert "demo store" not in text
