"""A till process for the concurrency test: random refunds on the shared sales.

    python -m tests.integrity.worker '{"db": URL, "ledger": PATH, "script": {...},
                                       "till": "T01", "seed": 1, "refunds": 50}'

It prints ``READY``, waits for ``GO`` on stdin (so that every till starts at once), makes
``refunds`` attempts and prints one JSON line: what it attempted, committed (refund numbers)
and why the rest were refused. Anything but a refusal the till is meant to give (a
TillError subclass of the expected kinds) is reported under ``unexpected``.
"""

from __future__ import annotations

import json
import random
import sys
import traceback
from collections import Counter

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import ApprovalRequired, RefundRejected, StoreUnavailable
from cashier_tui.domain.views import Approval
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from tests.integrity.common import (
    CASHIER,
    MANAGER,
    MANAGER_PIN,
    NOW,
    random_request,
)


def main(config: dict) -> dict:
    rng = random.Random(config["seed"])
    engine = make_engine(config["db"])
    gateway = SimulatedGateway(config["script"], ledger_path=config["ledger"],
                               slow_seconds=0.05)
    till = Till(engine, gateway, FixedClock(NOW), till_id=config["till"])
    manager = Approval(MANAGER, MANAGER_PIN)
    out = {"till": config["till"], "attempted": 0, "committed": [], "rejected": Counter(),
           "approved": 0, "processed": 0, "retried": 0, "sweeps": 0, "busy": 0,
           "unexpected": []}
    print("READY", flush=True)
    sys.stdin.readline()
    for n in range(config["refunds"]):
        receipt = rng.choice(config["receipts"])
        out["attempted"] += 1
        try:
            sale = till.get_sale(receipt)
            request = random_request(rng, sale, small=rng.random() < 0.6)
            approval = None
            if rng.random() < 0.8:  # the screens quote first; sometimes a stale quote
                quote = till.quote(request)
                if quote.problems:
                    out["rejected"]["quote:" + quote.problems[0].code] += 1
                    continue
                approval = manager if quote.approvals else None
            try:
                view = till.commit(request, CASHIER, approval)
            except ApprovalRequired:
                view = till.commit(request, CASHIER, manager)
            out["approved"] += view.approver is not None
            out["committed"].append(view.refund_no)
            if rng.random() < 0.9:  # else left for a sweep (the till was closed)
                view = till.process(view.refund_no)
                out["processed"] += 1
                if view.status != "completed" and rng.random() < 0.5:
                    till.retry(view.refund_no)
                    out["retried"] += 1
            if n % 10 == 9:
                till.sweep()
                out["sweeps"] += 1
        except RefundRejected as exc:
            out["rejected"][exc.problems[0].code] += 1
        except StoreUnavailable:
            out["busy"] += 1
        except Exception as exc:  # reported to the test, which fails on any
            out["unexpected"].append(f"{type(exc).__name__}: {exc}\n"
                                     f"{traceback.format_exc()[-1500:]}")
    gateway.close()
    engine.dispose()
    return out


if __name__ == "__main__":
    result = main(json.loads(sys.argv[1]))
    print(json.dumps(result), flush=True)
