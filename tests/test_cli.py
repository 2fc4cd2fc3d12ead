"""The command line, run as a user runs it: ``python -m cashier_tui ...`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from cashier_tui.cli_common import CliError, lazy
from cashier_tui.storage.db import make_engine
from tests.import_fixtures import dump, sale, write_jsonl


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("CASHIER_TUI_")}
    clean.update(XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data"),
                 XDG_STATE_HOME=str(tmp_path / "state"), LANG="C.UTF-8")
    return clean


@pytest.fixture
def cli(env, tmp_path):
    db = tmp_path / "till.db"

    def run(*args: str, stdin: str = "", with_db: bool = True):
        argv = [sys.executable, "-m", "cashier_tui", *(["--db", str(db)] if with_db else []),
                *args]
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env,
                              timeout=120)
        assert "Traceback" not in done.stderr
        return done

    run.db = db
    return run


def test_help_shows_settings_file_database_and_printer(cli, tmp_path):
    done = cli("--help", with_db=False)
    assert done.returncode == 0
    for command in ("import-sales", "export", "cashier", "demo-receipts", "print-test", "db",
                    "serve", "config"):
        assert command in done.stdout
    assert str(tmp_path / "cfg" / "cashier-tui" / "config.toml") in done.stdout
    assert f"sqlite:///{tmp_path / 'data' / 'cashier-tui' / 'cashier.db'}" in done.stdout
    assert "printer:       preview" in done.stdout
    hidden = cli("--db", "postgresql+psycopg://till:s3cret@db.example/shop", "--help",
                 with_db=False)
    assert "s3cret" not in hidden.stdout and "till:***@db.example/shop" in hidden.stdout


def test_config_command(cli, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('printer = "tcp://10.1.2.3:9100"\n')
    done = cli("--config", str(config), "config")
    assert done.returncode == 0
    assert f"settings file: {config}\n" in done.stdout
    assert f"database:      sqlite:///{cli.db}" in done.stdout
    assert "printer:       tcp://10.1.2.3:9100 (TM-T20II)" in done.stdout
    assert str(tmp_path / "state" / "cashier-tui" / "log" / "cashier-tui.log") in done.stdout


def test_config_names_the_language_the_app_runs_in(cli, env):
    """LANGUAGE comes before LANG (as gettext reads them): the app runs in Chinese, so
    ``config`` must not say English."""
    for var in ("LC_ALL", "LC_MESSAGES"):
        env.pop(var, None)
    env.update(LANGUAGE="zh_CN", LANG="en_US.UTF-8")
    done = cli("config")
    assert done.returncode == 0 and "language:      zh\n" in done.stdout
    done = cli("--lang", "en", "config")
    assert "language:      en\n" in done.stdout


def test_import_sales_ok_then_unchanged(cli, tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [sale(1), sale(2)])
    done = cli("import-sales", str(path))
    assert (done.returncode, done.stderr) == (0, "")
    assert "2 sale(s) added, 0 unchanged" in done.stdout
    again = cli("import-sales", "--db", str(cli.db), str(path))  # options after the command
    assert again.returncode == 0 and "0 sale(s) added, 2 unchanged" in again.stdout


def test_import_sales_rejected_names_file_line_field(cli, tmp_path):
    cli("import-sales", str(write_jsonl(tmp_path / "ok.jsonl", [sale(1)])))
    engine = make_engine(cli.db)
    before = dump(engine)
    broken = sale(2)
    broken["lines"][0]["qty"] = 0
    path = write_jsonl(tmp_path / "bad.jsonl", [sale(3), broken])
    done = cli("import-sales", str(path))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0].startswith(f"{path}:2: lines[0].qty: ")
    assert "nothing was imported" in done.stderr
    assert dump(engine) == before
    engine.dispose()


def test_at_most_fifty_errors_are_printed(cli, tmp_path):
    path = write_jsonl(tmp_path / "many.jsonl", [sale(i, status="x") for i in range(1, 81)])
    done = cli("import-sales", str(path))
    lines = done.stderr.splitlines()
    assert done.returncode == 2
    assert lines[49] == f"{path}:50: status: must be completed or voided"
    assert lines[50] == "... and 30 more"


@pytest.mark.parametrize("args", [
    ("import-sales", "no-such-file.jsonl"),
    ("bogus",),
    ("export", "refunds", "--since", "yesterday"),
    ("export", "refunds", "--format", "xml"),
    ("cashier", "add", "C1", "--name", "Li", "--role", "boss"),
    ("--lang", "fr", "config"),
    ("--demo", "db", "upgrade"),
])
def test_bad_usage_exits_2(cli, args):
    done = cli(*args)
    assert done.returncode == 2
    assert done.stderr.strip()


def test_bad_settings_file_exits_2_naming_it(cli, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("printer_timeout_s = 0\n")
    done = cli("--config", str(config), "config")
    assert done.returncode == 2
    assert done.stderr == f"cashier-tui: {config}: printer_timeout_s: must be greater " \
                          "than 0, not 0\n"


def test_unsupported_and_unreachable_databases(cli):
    done = cli("--db", "mysql://u:pw@h/x", "db", "upgrade", with_db=False)
    assert done.returncode == 2 and "--db: unsupported database 'mysql'" in done.stderr
    done = cli("--db", "postgresql+psycopg://u:s3cret@127.0.0.1:1/x", "db", "upgrade",
               with_db=False)
    assert done.returncode == 1
    assert "cannot use the database" in done.stderr and "s3cret" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_cashier_add_reads_the_pin_from_stdin(cli):
    done = cli("cashier", "add", "M001", "--name", "Wang Fang", "--role", "manager",
               stdin="2468\n")
    assert (done.returncode, done.stdout) == (0, "M001 (Wang Fang) added as manager\n")
    engine = make_engine(cli.db)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT role, pin_hash FROM cashier WHERE id = 'M001'")).one()
    engine.dispose()
    assert row.role == "manager" and b"2468" not in row.pin_hash
    again = cli("cashier", "add", "M001", "--name", "Wang Fang", "--role", "manager",
                stdin="2468\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert cli("cashier", "add", "C002", "--name", "Li", "--role", "cashier",
               stdin="").returncode == 2


def test_cashier_unlock_lifts_a_lockout_and_is_audited(cli):
    from cashier_tui.clock import SystemClock
    from cashier_tui.domain.errors import AccountLocked, WrongPin
    from cashier_tui.domain.policy import Policy
    from cashier_tui.services import people

    assert cli("cashier", "add", "C002", "--name", "Li", "--role", "cashier",
               stdin="1357\n").returncode == 0
    engine = make_engine(cli.db)
    for _ in range(5):
        with pytest.raises((WrongPin, AccountLocked)):
            people.sign_in(engine, "C002", "0000", SystemClock(), Policy())
    with pytest.raises(AccountLocked):
        people.sign_in(engine, "C002", "1357", SystemClock(), Policy())
    done = cli("cashier", "unlock", "C002")
    assert (done.returncode, done.stdout) == (0, "C002 unlocked\n")
    assert people.sign_in(engine, "C002", "1357", SystemClock(), Policy()).cashier_id == "C002"
    with engine.connect() as conn:
        actor, detail = conn.execute(text(
            "SELECT actor, detail FROM audit_event WHERE kind = 'unlocked'")).one()
    engine.dispose()
    assert actor is None and json.loads(detail) == {"cashier_id": "C002", "was_locked": True,
                                                    "via": "cli"}
    again = cli("cashier", "unlock", "C002")
    assert again.returncode == 0 and "was not locked" in again.stdout
    unknown = cli("cashier", "unlock", "X9")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr == "cashier-tui: no cashier with id X9; nothing was changed\n"
    for blank in ("", "  "):  # before: "no cashier with id ; nothing was changed"
        empty = cli("cashier", "unlock", blank)
        assert empty.returncode == 2
        assert empty.stderr == ("cashier-tui: no cashier id given: type the id of the account "
                                "to unlock, e.g. `cashier-tui cashier unlock C001`; nothing "
                                "was changed\n")


def test_export_refunds_and_db_upgrade(cli, tmp_path):
    assert cli("db", "upgrade").returncode == 0
    done = cli("export", "refunds")
    assert (done.returncode, done.stdout) == (0, "")
    out = tmp_path / "refunds.csv"
    done = cli("export", "refunds", "--format", "csv", "--since", "2026-01-01", "--out", str(out))
    assert done.returncode == 0 and "exported 0 refund(s)" in done.stderr
    assert out.read_text(encoding="utf-8-sig").startswith("refund_no,receipt_no")
    engine = make_engine(cli.db)
    with engine.connect() as conn:
        details = conn.execute(text("SELECT detail FROM audit_event WHERE kind = 'export'"))
        assert [json.loads(d)["format"] for (d,) in details] == ["jsonl", "csv"]
    engine.dispose()


def test_help_and_import_stay_light(env, tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [sale(1)])
    code = (
        "import sys\nfrom cashier_tui.cli import main\n"
        f"main(['--help'])\nmain(['--db', {str(tmp_path / 'l.db')!r}, 'import-sales', "
        f"{str(path)!r}])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'escpos', 'qrcode'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.stdout.splitlines()[-1] == "[]"


def test_a_missing_module_is_a_plain_error():
    with pytest.raises(CliError) as err:
        lazy("cashier_tui.no_such_module", "run", "serve")
    assert err.value.code == 1 and "not available" in err.value.message


def test_logs_go_to_the_log_file(cli, tmp_path):
    cli("import-sales", str(write_jsonl(tmp_path / "s.jsonl", [sale(1)])))
    log = Path(tmp_path / "state" / "cashier-tui" / "log" / "cashier-tui.log")
    assert "imported" in log.read_text()
