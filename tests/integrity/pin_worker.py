"""A till process trying PINs for one account at once, for the lockout test.

    python -m tests.integrity.pin_worker '{"db": URL, "cashier": "C001", "pin": "...",
                                           "threads": 3, "purpose": "sign_in"}'

It opens one engine per thread (each thread is a till of its own), prints ``READY``, waits
for ``GO`` on stdin (so every till of every process tries at once), tries the PIN once per
thread and prints one JSON line: each try's outcome (the error's class name, or
``CashierView``) and how many PINs this process really evaluated (scrypt hashes of a real
salt, counted by wrapping ``people.hash_pin``).
"""

from __future__ import annotations

import json
import sys
import threading

from cashier_tui.clock import FixedClock
from cashier_tui.domain.views import Approval
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services import people
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from tests.integrity.common import NOW

_DUMMY = people._DUMMY_SALT


def main(config: dict) -> dict:
    evaluated = []
    real_hash = people.hash_pin

    def counting_hash(pin: str, salt: bytes) -> bytes:
        if salt != _DUMMY:
            evaluated.append(1)  # list.append is atomic across threads
        return real_hash(pin, salt)

    people.hash_pin = counting_hash
    n = config["threads"]
    engines = [make_engine(config["db"]) for _ in range(n)]
    tills = [Till(e, SimulatedGateway(), FixedClock(NOW), till_id=f"T{i + 1:02d}")
             for i, e in enumerate(engines)]
    for engine in engines:  # connected before GO: the tries race, not the connects
        engine.connect().close()
    outcomes: list[str] = [""] * n
    barrier = threading.Barrier(n)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            if config.get("purpose") == "approval":
                tills[i].check_approval(Approval(config["cashier"], config["pin"]), ())
            else:
                tills[i].sign_in(config["cashier"], config["pin"])
            outcomes[i] = "CashierView"
        except Exception as exc:  # the outcome is what is reported
            outcomes[i] = type(exc).__name__

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    print("READY", flush=True)
    sys.stdin.readline()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for engine in engines:
        engine.dispose()
    return {"outcomes": outcomes, "evaluated": len(evaluated)}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))), flush=True)
