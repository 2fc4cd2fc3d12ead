"""Issue 17.9: vouchers a till never printed are offered at sign-in, and print from there.

A till that stopped between a refund and its voucher (here: refunds made through the Till
with no print at all) shows them in a dialog once a cashier signs in; p prints them one
after the other on the loopback printer and records each; a printer failure keeps the rest
listed and the dialog open; Escape leaves them for later and the next sign-in asks again.
Another till's unprinted refund (the seed's, till T00) is not this till's to print.
"""

from __future__ import annotations

from cashier_tui.domain.views import RefundRequest
from screens.lookup import LookupScreen
from screens.unprinted import UnprintedModal
from screens.widgets import ErrorLine, Note

from . import ui_fixtures as ui
from .printer_fakes import FakePrinter, closed_port
from .test_print_e2e import audit_kinds, until
from .ui_fixtures import CASH, CASHIER, FULL, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
SIZE = (80, 24)


def left_unprinted(rig) -> list[str]:
    """Two refunds committed and settled at this till whose vouchers never printed."""
    numbers = []
    for receipt in (FULL, CASH):
        view = rig.till.commit(RefundRequest(receipt, "full", reason="defective"), CASHIER)
        numbers.append(rig.till.process(view.refund_no).refund_no)
    return numbers


async def signed_in_to_the_offer(pilot) -> UnprintedModal:
    """Sign in and wait for the offer of the unprinted vouchers (looked up in a worker)."""
    await sign_in(pilot)
    await pilot.app.workers.wait_for_complete()
    await settle(pilot)
    assert isinstance(pilot.app.screen, UnprintedModal)
    return pilot.app.screen


async def test_unprinted_vouchers_are_offered_at_sign_in_and_printed(rig_factory) -> None:
    printer = FakePrinter("ok")
    try:
        rig = rig_factory(printer=printer.uri, printer_timeout_s=2)
        numbers = left_unprinted(rig)
        app = rig.app
        async with app.run_test(size=SIZE) as pilot:
            modal = await signed_in_to_the_offer(pilot)
            listed = str(modal.query_one("#unprinted-list", Note).content)
            assert all(no in listed for no in numbers) and "R-T00-" not in listed
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        for no in numbers:
            refund = rig.till.get_refund(no)
            assert (refund.printed, refund.print_count) == (True, 1)
            assert audit_kinds(rig, no)[-1] == "print"
        assert printer.jobs_done(2)
        assert rig.till.unprinted() == []
    finally:
        printer.close()


async def test_a_printer_failure_keeps_them_and_the_next_sign_in_asks_again(
        rig_factory) -> None:
    rig = rig_factory(printer=f"tcp://127.0.0.1:{closed_port()}", printer_timeout_s=1)
    numbers = left_unprinted(rig)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        modal = await signed_in_to_the_offer(pilot)
        await pilot.press("p")
        await until(pilot, lambda: not modal.printing)
        await settle(pilot)
        assert app.screen is modal and [r.refund_no for r in modal.pending] == numbers
        assert modal.query_one("#print-status", ErrorLine).text.startswith("Not printed.")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        await pilot.press("f10")
        await settle(pilot)
        await signed_in_to_the_offer(pilot)  # offered again
    assert [r.refund_no for r in rig.till.unprinted()] == numbers
    assert audit_kinds(rig, numbers[0])[-1] == "print_failed"
