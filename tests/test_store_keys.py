"""One store key for every till (issue 17.8): a refund QR printed at one till verifies at any
other till of the store (two engines on one database, SQLite and PostgreSQL); the key is made
once even when tills start together; rotation keeps old vouchers valid; a till's old secret
file becomes a key of the store; no secret is ever logged or audited."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from cashier_tui.logging_setup import setup_logging, stop_logging
from cashier_tui.qrpayload import InvalidRefundCode, RefundCodec, load_or_create_secret
from cashier_tui.services.store_keys import load_keys, rotate, store_codec
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.cli_fixtures import run_cli


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path) -> str:
    if request.param == "sqlite":
        url = str(tmp_path / "store.db")
    else:
        url = request.getfixturevalue("pg_server").create_database(
            f"keys_{request.node.name[-30:].lower().replace('[', '_').replace(']', '')}")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def tills(database):
    """Two tills of the store: two engines on the same database."""
    engines = [make_engine(database), make_engine(database)]
    yield engines
    for engine in engines:
        engine.dispose()


def codes(codec: RefundCodec, n: int = 5) -> list[str]:
    return [codec.encode(f"R-T01-261122-{i:04d}", 100 * i + 1, "CNY") for i in range(n)]


def test_a_voucher_of_one_till_verifies_at_every_other(tills):
    first, second = (store_codec(engine) for engine in tills)
    for code in codes(first):
        assert second.decode(code).currency == "CNY"
    for code in codes(second):
        assert first.decode(code).amount % 100 == 1
    with pytest.raises(InvalidRefundCode):
        second.decode(codes(RefundCodec(b"another store's secret!!"))[0])


def test_tills_starting_together_make_one_key(database):
    engines = [make_engine(database) for _ in range(6)]
    start, found = threading.Barrier(len(engines)), []

    def open_till(engine) -> None:
        start.wait()
        found.append(tuple(load_keys(engine)))

    threads = [threading.Thread(target=open_till, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert len(found) == len(engines) and len(set(found)) == 1 and len(found[0]) == 1
        with engines[0].connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM store_key")).scalar() == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_rotation_keeps_old_vouchers_valid_at_every_till(tills):
    before = store_codec(tills[0])
    old = codes(before)
    assert rotate(tills[1], actor="M001") == "k2"
    after = store_codec(tills[1])
    new = codes(after)
    assert new != codes(before)  # a new key signs
    for code in old:
        after.decode(code)
    for code in new:  # a till started before the rotation reads the new key when it must
        before.decode(code)
    assert rotate(tills[0]) == "k3"
    for code in old + new:
        store_codec(tills[0]).decode(code)
    with tills[0].connect() as conn:
        details = conn.execute(text("SELECT actor, detail FROM audit_event "
                                    "WHERE kind = 'secret_rotated' ORDER BY id")).all()
    assert [(a, json.loads(d)) for a, d in details] == [
        ("M001", {"key_id": "k2", "previous": "k1"}), (None, {"key_id": "k3", "previous": "k2"})]


def test_an_old_per_till_secret_file_becomes_a_key_of_the_store(tills, tmp_path):
    old_file = tmp_path / "till1" / "secret.key"
    printed = codes(RefundCodec(load_or_create_secret(old_file)))  # before the upgrade
    till1 = store_codec(tills[0], legacy_file=old_file)
    till2 = store_codec(tills[1], legacy_file=tmp_path / "till2" / "secret.key")  # none
    assert not (tmp_path / "till2" / "secret.key").exists()  # no file is made any more
    for code in printed:
        till1.decode(code)
        till2.decode(code)
    assert codes(till1) == codes(till2)  # both sign with the store's key
    store_codec(tills[0], legacy_file=old_file)  # the next start adds nothing
    with tills[0].connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM store_key")).scalar() == 2


def test_secret_rotate_on_the_command_line(tmp_path):
    db = tmp_path / "till.db"
    done = run_cli(tmp_path, "--db", str(db), "secret", "rotate")
    assert done.returncode == 0, done.stderr
    assert "signed with key k2" in done.stdout
    again = run_cli(tmp_path, "--db", str(db), "secret", "rotate")
    assert again.returncode == 0 and "key k3" in again.stdout
    assert "rotate" in run_cli(tmp_path, "secret", "--help").stdout
    engine = make_engine(db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_event "
                                 "WHERE kind = 'secret_rotated'")).scalar() == 2
    engine.dispose()


def test_no_key_is_ever_logged_or_audited(tmp_path):
    log = tmp_path / "till.log"
    setup_logging("DEBUG", log)
    engine = make_engine(tmp_path / "till.db")
    try:
        upgrade(engine)
        old_file = tmp_path / "secret.key"
        load_or_create_secret(old_file)
        store_codec(engine, legacy_file=old_file)
        rotate(engine)
        keys = load_keys(engine)
        with engine.connect() as conn:
            audit = " ".join(conn.execute(text("SELECT detail FROM audit_event")).scalars())
    finally:
        stop_logging()
        engine.dispose()
    written = Path(log).read_bytes() + audit.encode()
    assert len(keys) == 3
    for key in keys:
        for form in (key, key.hex().encode(), key.hex().upper().encode(),
                     base64.b64encode(key).rstrip(b"="), base64.b32encode(key).rstrip(b"=")):
            assert form not in written


async def test_a_running_till_signs_with_a_rotated_key_after_its_sweep(tills, tmp_path):
    from cashier_tui.app import make_app
    from cashier_tui.composition import assemble
    from tests import ui_fixtures as ui
    from tests.engine_fixtures import make_till

    till = make_till(tills[0], codec=store_codec(tills[0]))
    old = codes(till.codec)
    rotate(tills[1])
    app = make_app(ui.settings(tmp_path), lambda s: assemble(s, till), stable=True)
    async with app.run_test(size=(80, 24)):
        assert codes(till.codec) == old  # no database read on the UI thread
        app.sweep()
        await app.workers.wait_for_complete()
    assert codes(till.codec) == codes(store_codec(tills[1])) != old
