"""A till process killed with SIGKILL in the middle of a gateway call loses nothing and
duplicates nothing: a restarted till's sweep settles the refund exactly once, against the
provider's ledger shared through its SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from cashier_tui.gateways.base import GatewayRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.storage.db import make_engine
from tests.engine_fixtures import L, T, make_sale, make_till, totals

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import sys
    from cashier_tui.domain.views import RefundRequest
    from cashier_tui.gateways.simulated import SimulatedGateway
    from cashier_tui.storage.db import make_engine
    from tests.engine_fixtures import make_till

    db, ledger, stage, receipt = sys.argv[1:5]

    def hang(at, payload):
        if at == stage:
            print("IN-CALL", flush=True)
            sys.stdin.read()  # wait here until the parent kills us

    till = make_till(make_engine(db), SimulatedGateway(ledger_path=ledger, hook=hang))
    view = till.commit(RefundRequest(receipt, "full", reason="defective"), "C001")
    till.process(view.refund_no)
""")


@pytest.mark.parametrize(("stage", "attempts"), [("submit", 2), ("submitted", 1)])
def test_kill_9_during_the_gateway_call_then_sweep(engine, tmp_path, stage, attempts):
    ledger = tmp_path / "provider.db"
    r = make_sale(engine, [L(2, 4500)], [T("card", 6000, "AUTH-K9"), T("cash", 3000)])
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, engine.url.database, str(ledger), stage, r],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "IN-CALL"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert totals(engine, r)["sale"] == (3000, 6000)  # cash paid, card reserved in flight

    restarted = make_engine(engine.url.database)
    gateway = SimulatedGateway(ledger_path=ledger)
    (view,) = make_till(restarted, gateway).sweep()
    assert view.status == "completed"
    card = next(x for x in view.legs if x.payout == "card")
    assert card.attempts == attempts
    assert gateway.refunded_total("AUTH-K9") == 6000 and len(gateway.ledger()) == 1
    assert totals(engine, r)["sale"] == (9000, 0)
    assert totals(engine, r)["lines"] == [(2, 0, 9000, 0)]
    restarted.dispose()


def test_two_providers_on_one_ledger_file_refund_a_key_once(tmp_path):
    ledger = tmp_path / "provider.db"
    gateways = [SimulatedGateway(ledger_path=ledger) for _ in range(4)]
    request = GatewayRequest("same-key", "refund", "card", "AUTH-1", 700, "CNY", "R-1")
    barrier = threading.Barrier(8)
    answers = []

    def call(gateway):
        barrier.wait()
        answers.append(gateway.submit(request))

    threads = [threading.Thread(target=call, args=(gateways[i % 4],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert {a.outcome for a in answers} == {"succeeded"} and len(answers) == 8
    assert len({a.gateway_ref for a in answers}) == 1
    assert gateways[0].refunded_total("AUTH-1") == 700
    assert [e.attempts for e in gateways[3].ledger()] == [1]  # the rest answered from it
    for gateway in gateways:
        gateway.close()
