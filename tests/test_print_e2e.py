"""Issue 4 end to end: a refund made at the keyboard prints on a network printer.

A real till (SQLite file, migrations, the simulated gateway), the app at 80x24 driven by
keys only, and a loopback fake printer on ``tcp://127.0.0.1:PORT`` named in the settings,
as a till's config would. What the printer received is read back byte by byte; the codes on
paper are decoded from its raster images and the QR on screen from the rendered cells, both
with zxing-cpp, and the till verifies the payload. Printer failures leave the refund done,
the app answering keys, the voucher unprinted, and printable again once the printer is back.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from screens.done import DoneScreen
from screens.help import HelpScreen
from screens.journal import JournalScreen
from screens.widgets import ErrorLine

from . import ui_fixtures as ui
from .printer_fakes import FakePrinter, Stream, closed_port, decode_codes, read_escpos
from .test_qr_widget import screen_bitmap
from .ui_fixtures import CASH, CASHIER, CASHIER_PIN, FULL, scan, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
SIZE = (80, 24)
KICK = b"\x1bp"  # ESC p: the cash drawer pulse


@pytest.fixture
def printers():
    """Fake printers made by a test, all closed at its end."""
    made: list[FakePrinter] = []

    def make(mode: str = "ok", port: int = 0) -> FakePrinter:
        printer = FakePrinter(mode, port=port)
        made.append(printer)
        return printer

    yield make
    for printer in made:
        printer.close()


def said(app, selector: str = "#print-status") -> str:
    return app.screen.query_one(selector, ErrorLine).text


async def until(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (workers may still be busy)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await pilot.pause(0.02)


async def refund_at_the_keyboard(pilot, receipt: str, *, typed: bool = True) -> DoneScreen:
    """Sign in, scan, full refund, reason, confirm: keys only (a scanner types keys too).
    Returns the done screen as soon as it shows; its printing may still be going on.
    ``typed=False``: the id and the receipt arrive whole, as from a fast scanner (quicker)."""
    app = pilot.app
    await sign_in(pilot, CASHIER, CASHIER_PIN, typed=typed)
    if typed:
        await pilot.press(*receipt, "enter")  # the scanner: the code, then Enter
        await settle(pilot)
    else:
        await scan(pilot, receipt)
    await pilot.press("f")  # full refund
    await settle(pilot)
    assert app.focused.id == "reason"
    await pilot.press("space", "down", "enter")  # the first reason: defective
    await settle(pilot)
    await pilot.press("enter")  # on to confirm
    await settle(pilot)
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, DoneScreen))
    return app.screen


def codes(stream: Stream) -> list[tuple[str, str]]:
    return [code for img in stream.images for code in decode_codes(img)]


def screen_qr(app) -> list[str]:
    import zxingcpp

    bitmap, _styles = screen_bitmap(app)
    return [r.text for r in zxingcpp.read_barcodes(bitmap) if str(r.format) == "QR Code"]


def audit_kinds(rig, refund_no: str) -> list[str]:
    with rig.till.engine.connect() as conn:
        return list(conn.execute(text("SELECT kind FROM audit_event WHERE refund_no = :no "
                                      "ORDER BY id"), {"no": refund_no}).scalars())


async def test_refund_prints_and_paper_and_screen_codes_agree(rig_factory, printers) -> None:
    printer = printers()
    rig = rig_factory(printer=printer.uri, printer_timeout_s=2)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        done = await refund_at_the_keyboard(pilot, FULL)
        await settle(pilot)
        assert printer.jobs_done(1)
        assert said(app) == "Voucher printed: customer copy and merchant copy."
        on_screen = screen_qr(app)
        refund = done.refund
    paper = read_escpos(printer.jobs[0])
    no = refund.refund_no
    payload = rig.till.codec.encode(no, refund.amount, refund.currency)
    # customer copy, then merchant copy: each a Code128 of the refund number and the QR
    assert codes(paper) == [("Code 128", no), ("QR Code", payload)] * 2
    assert on_screen == [payload]
    assert rig.till.lookup(on_screen[0]) == rig.till.get_refund(no)
    assert (refund.printed, refund.print_count) == (True, 1)
    assert rig.till.get_refund(no).print_count == 1
    for words in ("Refund voucher", no, FULL, "CNY 133.00", "Card ****4321",
                  "Customer copy", "Merchant copy", "Demo Store"):
        assert words in paper.text, words
    # the refund was made at 15:00 +08:00 (07:00 UTC): the voucher says 15:00
    assert "2026-11-20 15:00:00" in paper.text and "07:00:00" not in paper.text
    assert paper.kicks == 0 and "REPRINT" not in paper.text  # a card refund: no drawer
    assert printer.jobs[0].startswith(b"\x10\x04\x04\x1b@")  # status asked, then INIT
    assert audit_kinds(rig, no).count("print") == 1


async def test_chinese_refund_prints_chinese(rig_factory, printers) -> None:
    printer = printers()
    rig = rig_factory(lang="zh", printer=printer.uri, printer_timeout_s=2)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        done = await refund_at_the_keyboard(pilot, FULL)
        await settle(pilot)
        assert printer.jobs_done(1)
        assert said(app) == "退款凭证已打印：顾客联和商户联。"
        on_screen = screen_qr(app)
        no = done.refund.refund_no
    paper = read_escpos(printer.jobs[0])
    assert [text for fmt, text in codes(paper) if fmt == "QR Code"] == on_screen * 2
    assert rig.till.lookup(on_screen[0]).refund_no == no
    for words in ("退款凭证", "银行卡 ****4321", "￥133.00", "顾客联", "商户联", "15:00:00"):
        assert words in paper.text, words


async def test_cash_refund_opens_the_drawer_once(rig_factory, printers) -> None:
    printer = printers()
    rig = rig_factory(printer=printer.uri, printer_timeout_s=2)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        done = await refund_at_the_keyboard(pilot, CASH)
        await settle(pilot)
        assert done.refund.cash_paid == 2000
        assert printer.jobs_done(1)
        await pilot.press("r")  # reprint: no drawer
        await settle(pilot)
        assert printer.jobs_done(2)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
        assert app.screen.selected().refund_no == done.refund.refund_no
        await pilot.press("p")  # a reprint from the journal: no drawer
        await settle(pilot)
        assert printer.jobs_done(3)
    first, again, journal = (read_escpos(job) for job in printer.jobs)
    assert printer.jobs[0].count(KICK) == first.kicks == 1
    # status asked, INIT, out of Chinese mode, then the drawer: it opens as printing starts
    assert first.commands[:4] == [b"\x10\x04\x04", b"\x1b@", b"\x1c.", b"\x1bp\x00\x32\x32"]
    assert "Cash" in first.text and "REPRINT" not in first.text
    for stream, job in ((again, printer.jobs[1]), (journal, printer.jobs[2])):
        assert stream.kicks == 0 and KICK not in job
        assert "REPRINT" in stream.text
    assert rig.till.get_refund(done.refund.refund_no).print_count == 3


async def test_training_never_opens_the_drawer(rig_factory, printers) -> None:
    printer = printers()
    rig = rig_factory(training=True, printer=printer.uri, printer_timeout_s=2)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        done = await refund_at_the_keyboard(pilot, CASH, typed=False)
        await settle(pilot)
        assert done.refund.training and done.refund.cash_paid == 2000
        assert printer.jobs_done(1)
    paper = read_escpos(printer.jobs[0])
    assert paper.kicks == 0 and KICK not in printer.jobs[0]
    assert "TRAINING" in paper.text


# --- a printer that is not there, never reads, or drops the line --------------------------

FAILURES = {
    # fake printer mode (None: nothing listening) -> what the done screen says
    None: "The printer is not answering: check it is on and connected.",
    "silent": "The printer stopped taking the voucher: check its paper and cover.",
    "drop": ("The printer's connection broke while printing: the voucher may be "
             "incomplete."),
    # the whole job fits the socket buffers of a printer that never reads: not confirmed
    "hoard": "The printer did not confirm it took the voucher: check whether it came out.",
}


@pytest.mark.parametrize("where", ["done", "journal"])
@pytest.mark.parametrize("mode", list(FAILURES),
                         ids=["refused", "never-reads", "drops", "takes-nothing"])
async def test_printer_failure_leaves_the_refund_done_and_printable(
        rig_factory, printers, mode, where) -> None:
    timeout = 1.5
    if mode is None:
        port = closed_port()
    else:
        bad = printers(mode)
        port = bad.port
    rig = rig_factory(printer=f"tcp://127.0.0.1:{port}", printer_timeout_s=timeout)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        started = time.monotonic()
        done = await refund_at_the_keyboard(pilot, FULL, typed=False)
        no = done.refund.refund_no
        if mode in ("silent", "hoard"):  # still waiting on the printer: the keys work meanwhile
            assert done.printing
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is done)
            assert done.printing
        await until(pilot, lambda: not done.printing)
        assert time.monotonic() - started < timeout + 5  # never the library's 60 s
        await settle(pilot)
        # what to do, on the done screen
        first = "Not confirmed." if mode == "hoard" else "Not printed."
        assert said(app) == (f"{first} {FAILURES[mode]} The refund is done: press p to "
                             "print again.")
        refund = rig.till.get_refund(no)
        assert refund.status == "completed"  # the refund stands
        assert (refund.printed, refund.print_count) == (False, 0)
        assert audit_kinds(rig, no) == ["refund", "print_failed"]
        await pilot.press("f1")  # the app answers keys after the failure too
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is done)
        assert app.screen.check_action("reprint", ()) is None  # nothing printed to reprint

        if mode is not None:
            bad.close()
        printer = printers("ok", port=port)  # the printer is back, at the same address
        if where == "done":
            await pilot.press("p")
            await settle(pilot)
            assert said(app) == "Voucher printed: customer copy and merchant copy."
            await pilot.press("r")  # and a reprint
            await settle(pilot)
        else:
            await pilot.press("f5")
            await settle(pilot)
            assert isinstance(app.screen, JournalScreen)
            assert app.screen.selected().refund_no == no
            await pilot.press("p")
            await settle(pilot)
            assert said(app) == "Voucher printed: customer copy and merchant copy."
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is done  # it knows: R reprints now, and "not printed" is gone
            assert done.refund.print_count == 1 and done.check_action("reprint", ())
            assert said(app) == "Voucher printed: customer copy and merchant copy."
            await pilot.press("r")
            await settle(pilot)
        assert printer.jobs_done(2)
    first, reprint = (read_escpos(job) for job in printer.jobs)
    payload = rig.till.codec.encode(no, refund.amount, refund.currency)
    for stream in (first, reprint):
        assert codes(stream) == [("Code 128", no), ("QR Code", payload)] * 2
    assert "REPRINT" not in first.text and "REPRINT" in reprint.text
    refund = rig.till.get_refund(no)
    assert (refund.printed, refund.print_count) == (True, 2)
    assert audit_kinds(rig, no) == ["refund", "print_failed", "print", "reprint"]


# --- the done screen's voucher preview fits its box ----------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_preview_fits_at_80x24_and_uses_48_columns_when_there_is_room(
        rig_factory, lang) -> None:
    from rich.cells import cell_len

    rig = rig_factory(lang=lang)  # printer: preview
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        done = await refund_at_the_keyboard(pilot, FULL, typed=False)
        await settle(pilot)
        box, lines = done.query_one("#voucher"), done.query_one("#voucher-lines")
        seen = {}
        for size in ((120, 40), (80, 24), (120, 40)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            text = str(lines.content).splitlines()
            seen[size] = (done.preview_columns, max(cell_len(line) for line in text))
            assert box.max_scroll_x == 0 and not box.show_horizontal_scrollbar, size
            # every line whole inside the box: the preview's width plus its padding
            assert lines.region.width <= box.scrollable_content_region.width, size
            assert done.refund.refund_no in "\n".join(text)
            assert ("Refund voucher" if lang == "en" else "退款凭证") in "\n".join(text)
            assert done.refund.print_count == 0  # laying out a preview prints nothing
    assert seen[(80, 24)][0] == 32 and seen[(80, 24)][1] <= 32
    assert seen[(120, 40)][0] == 48 and 32 < seen[(120, 40)][1] <= 48
