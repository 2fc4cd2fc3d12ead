"""A till process that dies with SIGKILL at one step of a refund, for the crash test.

    CASHIER_TUI_CRASH_AT=<step> python -m tests.integrity.crash_worker '{...config...}'

It starts as the app does after a crash: ``Till.sweep()``, then every voucher not yet
printed is printed (PrintService to the loopback printer) and marked printed. Then it makes
refunds until the armed one reaches the step, where it kills itself (``os.kill(getpid(),
SIGKILL)``: no cleanup, no flush, no finally):

=================  =====================================================================
``in_commit``      inside the commit's write transaction, the refund row written, its legs
                   about to be (an SQLAlchemy ``before_cursor_execute`` listener)
``after_commit``   the refund is committed (legs pending), before any gateway call
``in_call``        a leg is marked sent, the provider has not acted (SimulatedGateway hook
                   at ``submit``)
``after_gateway``  the provider has refunded, the result is not recorded (hook at
                   ``submitted``)
``before_print``   the refund is settled, the voucher not printed
``during_print``   the voucher is being sent to a printer that stalls mid-job; the *test*
                   sends the SIGKILL, when the printer has received the first bytes
``after_print``    the printer took the voucher, ``mark_printed`` not yet called
=================  =====================================================================

``CASHIER_TUI_CRASH_AT`` is read here only, never by the application: in production the
hook does not exist. Each committed refund is announced on stdout (``COMMITTED R-...``)
before anything can kill the process, so the test knows every refund that must survive.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from datetime import timedelta

from sqlalchemy import event

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import ApprovalRequired, RefundRejected
from cashier_tui.domain.views import Approval
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.qrpayload import RefundCodec, load_or_create_secret
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from printers.service import PrintService
from tests.integrity.common import CASHIER, MANAGER, MANAGER_PIN, NOW, random_request

STEPS = ("in_commit", "after_commit", "in_call", "after_gateway", "before_print", "during_print",
         "after_print")


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def say(*words: object) -> None:
    print(*words, flush=True)


def main(config: dict, step: str | None) -> None:
    rng = random.Random(config["seed"])
    armed = {"on": False}  # only the last refund of the run crashes

    def hook(stage: str, payload: object) -> None:
        if armed["on"] and (step, stage) in (("in_call", "submit"),
                                             ("after_gateway", "submitted")):
            die()

    engine = make_engine(config["db"])
    if step == "in_commit":
        @event.listens_for(engine, "before_cursor_execute")
        def _in_commit(conn, cursor, statement, *args) -> None:
            if armed["on"] and statement.lstrip().upper().startswith("INSERT INTO REFUND_LEG"):
                die()
    gateway = SimulatedGateway(config.get("script") or {}, ledger_path=config["ledger"],
                               hook=hook)
    clock = FixedClock(NOW + timedelta(minutes=config["minute"]))
    codec = RefundCodec(load_or_create_secret(config["secret"]))
    till = Till(engine, gateway, clock, till_id=config["till"], codec=codec)
    printer = PrintService(config["printer"], codec=codec, timeout_s=10)
    manager = Approval(MANAGER, MANAGER_PIN)

    # --- the start of a till: settle what the last run left, print what it did not -----
    swept = till.sweep()
    reprinted = []
    for refund in till.journal():
        if not refund.printed:
            result = printer.print_refund(refund, "en")
            till.mark_printed(refund.refund_no, reprint=False, ok=result.ok,
                              detail=result.code, cashier_id=CASHIER)
            reprinted.append([refund.refund_no, result.ok])
    say("RECOVERED", json.dumps({"swept": [[v.refund_no, v.status] for v in swept],
                                 "printed": reprinted}))
    if step is None:
        return

    # --- refunds until the armed one reaches the step ------------------------------------
    gateway_step = step in ("in_call", "after_gateway")
    for n in range(config["refunds"] + 30):
        last = n >= config["refunds"]
        receipt = rng.choice(config["receipts"])
        sale = till.get_sale(receipt)
        request = random_request(rng, sale, small=True,
                                 payout="original" if last and gateway_step else None)
        armed["on"] = last
        try:
            try:
                view = till.commit(request, CASHIER)
            except ApprovalRequired:
                view = till.commit(request, CASHIER, manager)
        except RefundRejected:
            continue
        say("COMMITTED", view.refund_no)
        if last and step == "after_commit":
            die()
        view = till.process(view.refund_no)
        if last and step == "before_print":
            die()
        target = printer
        if last and step == "during_print":
            target = PrintService(config["stall_printer"], codec=codec, timeout_s=30)
        result = target.print_refund(view, "en")
        if last and step == "after_print":
            die()
        till.mark_printed(view.refund_no, reprint=False, ok=result.ok, detail=result.code,
                          cashier_id=CASHIER)
    say("NOT-KILLED")  # the step was never reached: the test fails on this
    sys.exit(3)


if __name__ == "__main__":
    crash_at = os.environ.get("CASHIER_TUI_CRASH_AT") or None
    if crash_at is not None and crash_at not in STEPS:
        sys.exit(f"CASHIER_TUI_CRASH_AT must be one of {STEPS}")
    main(json.loads(sys.argv[1]), crash_at)
