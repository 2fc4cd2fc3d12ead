"""Security of a till's data: PIN lockout, no PIN / secret / card number in the database or
the logs, private files.

The session test drives a whole shift the way a till does it — the command line to add staff
and import sales (one file with a card number, refused), then sign-ins right and wrong,
approvals right and wrong, refunds, vouchers printed with the signed refund QR, an export —
at log level DEBUG. Then every table is dumped, the raw database and WAL bytes are read, and
the log file, the command line's output, the export and the printed bytes are searched for
the PINs, the signing secret (raw, hex, base64, base32) and the card number.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import AccountLocked, WrongPin
from cashier_tui.domain.policy import Policy
from cashier_tui.domain.views import Approval, RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.logging_setup import setup_logging
from cashier_tui.qrpayload import RefundCodec, load_or_create_secret
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.integrity.common import NOW, ROOT, write_figures

CARD = "4111111111111111"  # Luhn-valid
PINS = {"C001": "83920174", "M001": "61538207"}
WRONG = "90817263"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _cli(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cashier_tui", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def _sale(receipt: str, reference: str, name: str = "Thermos 500ml") -> str:
    return json.dumps({
        "receipt_no": receipt, "sold_at": "2026-11-20T14:03:00+08:00", "store": "S01",
        "till": "T02", "cashier": "C007", "currency": "CNY", "status": "completed",
        "lines": [{"sku": "6901234567892", "name": name, "qty": 2, "unit_price": "400.00"}],
        "payments": [{"method": "card", "amount": "800.00", "reference": reference,
                      "card_last4": "1111"}]}, ensure_ascii=False)


def forms(secret: bytes) -> dict[str, bytes]:
    """Every way the secret could be written down."""
    return {"raw": secret, "hex": secret.hex().encode(), "HEX": secret.hex().upper().encode(),
            "base64": base64.b64encode(secret).rstrip(b"="),
            "base64url": base64.urlsafe_b64encode(secret).rstrip(b"="),
            "base32": base64.b32encode(secret).rstrip(b"=")}


def test_no_pin_secret_or_card_number_in_the_database_or_the_logs(tmp_path, restore_logging):
    home = tmp_path / "home"
    db_path = tmp_path / "till" / "cashier.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHIER_TUI_")}
    env.update({"HOME": str(home), "XDG_STATE_HOME": str(home / "state"),
                "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
                "CASHIER_TUI_LOG_LEVEL": "DEBUG", "PYTHONPATH": str(ROOT)})
    db = ["--db", str(db_path)]
    outputs: list[str] = []

    # The command line: staff (PINs on stdin), a file with a card number, a clean file.
    for cashier_id, role in (("C001", "cashier"), ("M001", "manager")):
        done = _cli([*db, "cashier", "add", cashier_id, "--name", f"Staff {cashier_id}",
                     "--role", role], env, PINS[cashier_id] + "\n")
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([_sale("S01-T02-20261120-0001", "AUTH000001"),
                              _sale("S01-T02-20261120-0002", CARD),
                              _sale("S01-T02-20261120-0003", "AUTH000003",
                                    name=f"gift card {CARD[:4]} {CARD[4:8]} {CARD[8:12]} "
                                         f"{CARD[12:]}")]) + "\n")
    refused = _cli([*db, "import-sales", str(bad)], env)
    assert refused.returncode == 2, refused.stderr
    assert "2: payments[0].reference" in refused.stderr
    assert "3: lines[0].name" in refused.stderr
    outputs += [refused.stdout, refused.stderr]
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(_sale(f"S01-T02-20261120-{i:04d}", f"AUTH{i:06d}")
                              for i in range(1, 6)) + "\n")
    imported = _cli([*db, "import-sales", str(good)], env)
    assert imported.returncode == 0, imported.stderr
    outputs += [imported.stdout, imported.stderr]
    log_files = list((home / "state").rglob("*.log"))
    assert log_files, "the command line wrote no log file"
    log_file = log_files[0]

    # The till: the same log file at DEBUG, sign-ins, approvals, refunds, vouchers, export.
    setup_logging("DEBUG", log_file)
    secret_path = home / "data" / "cashier-tui" / "refund-secret.key"
    secret = load_or_create_secret(secret_path)
    codec = RefundCodec(secret)
    engine = make_engine(db_path)
    clock = FixedClock(NOW)
    till = Till(engine, SimulatedGateway(), clock, codec=codec)
    till.sign_in("C001", PINS["C001"])
    with pytest.raises(WrongPin):
        till.sign_in("C001", WRONG)
    with pytest.raises(WrongPin):
        till.commit(RefundRequest("S01-T02-20261120-0001", "full", reason="defective"),
                    "C001", Approval("M001", WRONG))
    view = till.commit(RefundRequest("S01-T02-20261120-0001", "full", reason="defective"),
                       "C001", Approval("M001", PINS["M001"]))
    view = till.process(view.refund_no)
    assert till.lookup(codec.encode(view.refund_no, view.amount, view.currency)) == view
    second = till.process(till.commit(RefundRequest(
        "S01-T02-20261120-0002", "amount", "cash", "price_adjustment", amount=1000),
        "C001", Approval("M001", PINS["M001"])).refund_no)
    from printers.service import PrintService

    paper = tmp_path / "printer.bin"
    printer = PrintService(f"file:{paper}", codec=codec)
    for refund in (view, second):
        result = printer.print_refund(refund, "en")
        till.mark_printed(refund.refund_no, reprint=False, ok=result.ok, cashier_id="C001")
    exported = _cli([*db, "export", "refunds", "--format", "jsonl"], env)
    assert exported.returncode == 0, exported.stderr
    outputs += [exported.stdout, exported.stderr]
    engine.dispose()
    logging.shutdown()

    # Everything the session left behind.
    with sqlite3.connect(db_path) as conn:
        dump = "\n".join(conn.iterdump())
        hashes = conn.execute("SELECT pin_salt, pin_hash FROM cashier").fetchall()
    assert len(hashes) == 2 and all(len(h) == 32 for _s, h in hashes)
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob("cashier.db*"))
    texts = {"database dump": dump.encode(), "database bytes": raw,
             "log": b"".join(p.read_bytes() for p in log_file.parent.glob("*.log*")),
             "command line output": "\n".join(outputs).encode(),
             "printer": paper.read_bytes()}
    assert texts["log"] and view.refund_no.encode() in texts["log"]
    needles = {f"PIN {who}": pin.encode() for who, pin in PINS.items()}
    needles["wrong PIN"] = WRONG.encode()
    needles["card number"] = CARD.encode()
    needles.update({f"secret ({form})": value for form, value in forms(secret).items()})
    found = [f"{what} in the {where}" for where, blob in texts.items()
             for what, needle in needles.items() if needle in blob]
    assert found == []
    assert "4111 1111 1111 1111" not in dump and "4111 1111" not in texts["log"].decode()
    write_figures("security_scan", {
        "places_searched": sorted(texts), "bytes_searched": sum(map(len, texts.values())),
        "needles": sorted(needles), "found": found})


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_wal_and_secret_files_are_created_private(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = tmp_path / "new" / "cashier.db"
        engine = make_engine(path)
        upgrade(engine)
        Till(engine, SimulatedGateway(), FixedClock(NOW)).add_cashier("C001", "Li", "cashier",
                                                                      "1234")
        secret = tmp_path / "keys" / "refund-secret.key"
        load_or_create_secret(secret)
        modes = {p.name: stat.S_IMODE(p.stat().st_mode)
                 for p in [*path.parent.glob("cashier.db*"), secret]}
        engine.dispose()
    finally:
        os.umask(old)
    assert {"cashier.db", "cashier.db-wal", "cashier.db-shm", "refund-secret.key"} <= \
        modes.keys()
    assert modes == dict.fromkeys(modes, 0o600), {k: oct(v) for k, v in modes.items()}


def test_five_wrong_pins_lock_sign_in_and_approvals_for_five_minutes(engine):
    clock = FixedClock(NOW)
    till = Till(engine, SimulatedGateway(), clock, policy=Policy())
    till.add_cashier("M001", "Wang", "manager", PINS["M001"])
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as err:
            till.sign_in("M001", WRONG)
        assert err.value.remaining == remaining
    with pytest.raises(AccountLocked):
        till.check_approval(Approval("M001", WRONG), ())  # approvals count the same
    for pin in (PINS["M001"], WRONG):  # locked: even the right PIN is refused
        with pytest.raises(AccountLocked):
            till.sign_in("M001", pin)
        with pytest.raises(AccountLocked):
            till.check_approval(Approval("M001", pin), ())
    clock.advance(minutes=4, seconds=59)
    with pytest.raises(AccountLocked):
        till.sign_in("M001", PINS["M001"])
    clock.advance(seconds=1)
    assert till.sign_in("M001", PINS["M001"]).cashier_id == "M001"
    with pytest.raises(WrongPin) as err:  # a fresh set of tries after the lockout
        till.sign_in("M001", WRONG)
    assert err.value.remaining == 4
