"""Files the till writes are private whatever the umask, and logging never disturbs the
terminal nor keeps a card number (issues 17.3 and 17.7)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from cashier_tui.logging_setup import setup_logging, stop_logging
from tests.cli_fixtures import log_path, run_cli
from tests.import_fixtures import sale, write_jsonl


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_log_and_their_directories_are_private_under_umask_000(tmp_path):
    sales = write_jsonl(tmp_path / "s.jsonl", [sale(1)])
    done = run_cli(tmp_path, "import-sales", str(sales), umask=0)
    assert done.returncode == 0, done.stderr
    data = tmp_path / "data" / "cashier-tui"
    log = log_path(tmp_path)
    assert "imported" in log.read_text()
    assert mode(data / "cashier.db") == 0o600
    assert mode(data) == 0o700
    assert mode(log) == 0o600
    assert mode(log.parent) == 0o700 and mode(log.parent.parent) == 0o700


def test_a_log_file_left_world_readable_is_made_private(tmp_path):
    log = tmp_path / "logs" / "till.log"
    log.parent.mkdir()
    log.write_text("old\n")
    log.chmod(0o666)
    setup_logging("INFO", log)
    try:
        logging.getLogger("cashier_tui.test").info("hello")
    finally:
        stop_logging()
    assert mode(log) == 0o600 and "hello" in log.read_text()


def test_a_full_log_disk_is_quiet(tmp_path):
    log = log_path(tmp_path)
    log.parent.mkdir(parents=True)
    log.symlink_to("/dev/full")  # every write: ENOSPC, as on a full disk
    sales = write_jsonl(tmp_path / "s.jsonl", [sale(1), {"receipt_no": 4}])
    db = tmp_path / "till.db"
    done = run_cli(tmp_path, "--db", str(db), "--log-level", "DEBUG", "import-sales", str(sales))
    assert done.returncode == 2  # the bad line is reported, plainly
    assert "receipt_no: must be a string" in done.stderr
    assert "Logging error" not in done.stderr and "Traceback" not in done.stderr
    assert all(line.startswith((str(sales), "cashier-tui: ")) for line in
               done.stderr.splitlines()), done.stderr
    good = write_jsonl(tmp_path / "ok.jsonl", [sale(2)])
    done = run_cli(tmp_path, "--db", str(db), "import-sales", str(good))
    assert (done.returncode, done.stderr) == (0, "")


def test_a_card_number_in_an_exception_never_reaches_the_log(tmp_path):
    log = tmp_path / "till.log"
    setup_logging("DEBUG", log)
    try:
        try:
            raise ValueError("bad value 4111 1111 1111 1111 12/28 in 'note'")
        except ValueError:
            logging.getLogger("cashier_tui.test").exception(
                "failed on %s", "4111.1111.1111.1111")
        logging.getLogger("cashier_tui.test").warning("refund R-T01-261122-0001 at "
                                                      "2026-11-22 10:00")
    finally:
        stop_logging()
    text = log.read_text()
    assert "ValueError: bad value [card number removed] in 'note'" in text
    assert "failed on [card number removed]" in text
    assert "4111" not in text
    assert "refund R-T01-261122-0001 at 2026-11-22 10:00" in text  # no card: kept as is


def test_the_demo_cache_and_an_old_secret_file_directory_are_private_under_umask_000(tmp_path):
    import os

    from cashier_tui.demo import template_path
    from cashier_tui.qrpayload import load_or_create_secret

    old = os.umask(0)
    try:
        template = template_path(tmp_path / "cache" / "cashier-tui")
        load_or_create_secret(tmp_path / "keys" / "secret.key")
    finally:
        os.umask(old)
    assert mode(template.parent) == 0o700 and mode(template.parent.parent) == 0o700
    assert mode(tmp_path / "keys") == 0o700
