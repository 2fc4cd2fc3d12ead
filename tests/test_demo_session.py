"""A trainer's demo session never touches the store's real database or printer.

``python -m cashier_tui --demo`` runs in a real terminal (a pseudo-terminal from the standard
library, 80x24: no tmux needed, so CI runs it too) with the settings of a real till: a
configured SQLite database (settings file and environment) and a network printer. A trainee
signs in, scans a receipt, makes a refund, prints its voucher, resets with F9 and quits with
ctrl+q. Afterwards the configured database is byte for byte what it was (same mtime and
ctime, no -wal/-shm/-journal appeared), the printer never saw a connection, and the demo's
private temporary directory — the only place its database lived — is gone.

Each step waits for the till's own log line ("screen shown: ...") with a deadline; no step
relies on a fixed delay.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from cashier_tui import demo

ROOT = Path(__file__).resolve().parent.parent
SALES = ROOT / "data" / "examples" / "sales_small.jsonl"
F9, CTRL_Q, ENTER = "\x1b[20~", "\x11", "\r"
DEADLINE_S = 60.0  # per step; a step normally takes well under a second

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="drives a pseudo-terminal and reads /proc (Linux)")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded demo template (the same cached file the scenario tests use)."""
    return demo.template_path(tmp_path_factory.getbasetemp() / "demo-cache")


def snapshot(path: Path) -> tuple[str, int, int, int]:
    """Content hash, size, mtime and ctime (ctime moves on any chmod or write)."""
    st = path.stat()
    return (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns,
            st.st_ctime_ns)


def tree(root: Path) -> dict[str, tuple]:
    """Every file under ``root``, with its snapshot."""
    return {str(p.relative_to(root)): snapshot(p) for p in sorted(root.rglob("*")) if p.is_file()}


class FakePrinter:
    """The store's network printer: a listener that counts who connects."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()


class Terminal:
    """``python -m cashier_tui ARGS`` on an 80x24 pseudo-terminal."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.master = master
        self.proc = subprocess.Popen([sys.executable, "-m", "cashier_tui", *args],
                                     stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=cwd, start_new_session=True, close_fds=True)
        os.close(slave)
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        """Read what the app draws, so that it never blocks on a full terminal."""
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not data:
                return
            self.output += data

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def logged(self) -> str:
        return self.log.read_text("utf-8", errors="replace") if self.log.exists() else ""

    def wait_for(self, pattern: str, count: int = 1) -> str:
        """Until the till's log has ``pattern`` ``count`` times (polling the file)."""
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            text = self.logged()
            if len(re.findall(pattern, text)) >= count:
                return text
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"never logged {pattern!r} x{count} (exit {self.proc.poll()}):\n"
                             f"{self.logged()[-3000:]}\n--- terminal ---\n"
                             f"{self.output[-2000:].decode(errors='replace')}")

    def screen(self, name: str, count: int = 1) -> None:
        self.wait_for(rf"screen shown: {name}\b", count)

    def open_files(self) -> list[str]:
        fd_dir = Path(f"/proc/{self.proc.pid}/fd")
        found = []
        for fd in fd_dir.iterdir():
            try:
                found.append(os.readlink(fd))
            except OSError:
                continue
        return found

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # only the process this test started
            self.proc.wait(10)
        self._reader.join(5)
        os.close(self.master)


def test_a_demo_session_leaves_the_configured_database_and_printer_untouched(
        tmp_path: Path, demo_template: Path) -> None:
    home = tmp_path / "home"
    xdg = {name: home / name.lower() for name in
           ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
    for path in xdg.values():
        path.mkdir(parents=True)
    scratch = tmp_path / "tmp"  # the demo's TMPDIR: its private directory is made here
    scratch.mkdir()
    store = tmp_path / "store"
    store.mkdir()
    db = store / "till.db"
    printer = FakePrinter()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CASHIER_TUI_")},
           **{k: str(v) for k, v in xdg.items()},
           "TMPDIR": str(scratch), "TERM": "xterm-256color", "CASHIER_TUI_LOG_LEVEL": "INFO",
           "CASHIER_TUI_DB": str(db), "LANG": "C.UTF-8"}
    for name in ("TEXTUAL_DRIVER", "COLUMNS", "LINES"):  # the terminal itself says 80x24
        env.pop(name, None)

    # The store's till: a real database made by the command line, named in the settings
    # file and the environment, and a network printer in the settings file.
    made = subprocess.run([sys.executable, "-m", "cashier_tui", "--db", str(db),
                           "import-sales", str(SALES)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    config = xdg["XDG_CONFIG_HOME"] / "cashier-tui" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'db = "{db}"\nprinter = "tcp://127.0.0.1:{printer.port}"\n', "utf-8")
    # A warm demo cache, as after the trainer's first start (building it is tested elsewhere).
    cache = xdg["XDG_CACHE_HOME"] / "cashier-tui"
    cache.mkdir()
    shutil.copy2(demo_template, cache / demo_template.name)

    store_before, data_before, cache_before = tree(store), tree(xdg["XDG_DATA_HOME"]), tree(cache)
    assert set(store_before) <= {"till.db", "till.db-wal", "till.db-shm"}

    log = xdg["XDG_STATE_HOME"] / "cashier-tui" / "log" / "cashier-tui.log"
    term = Terminal(["--demo"], env, tmp_path, log)
    try:
        term.screen("SignInScreen")
        term.send(f"T1{ENTER}1111{ENTER}")
        term.screen("LookupScreen")
        private = [p for p in scratch.iterdir() if p.name.startswith("cashier-demo-")]
        assert len(private) == 1 and (private[0] / "demo.db").is_file(), list(scratch.iterdir())
        term.send(f"1001{ENTER}")
        term.screen("SaleScreen")
        term.send("a")
        term.screen("AmountScreen")
        term.send(f"10.00{ENTER}")
        term.screen("DetailsScreen")
        term.send(ENTER)  # the reason is already Price adjustment
        term.screen("ConfirmModal")
        term.send("y")
        term.screen("DoneScreen")
        term.wait_for(r"refund R-T01-261120-0003 committed")
        # every database file the demo holds open is in its private directory
        databases = [f for f in term.open_files() if re.search(r"\.db(-wal|-shm|-journal)?$", f)]
        assert all(f.startswith(f"{private[0]}/") for f in databases), databases
        term.send("p")  # print the voucher: the preview, never the store's printer
        term.wait_for(r"print voucher R-T01-261120-0003: ok")
        term.send(F9)
        term.screen("AskModal")
        term.send("y")
        term.screen("SignInScreen", 2)
        term.send(CTRL_Q)
        assert term.proc.wait(DEADLINE_S) == 0, term.output[-2000:].decode(errors="replace")
    finally:
        term.close()
        printer.close()

    assert tree(store) == store_before  # same bytes, mtime, ctime; no -wal/-shm/-journal
    assert tree(xdg["XDG_DATA_HOME"]) == data_before  # no default database, no secret
    assert tree(cache) == cache_before  # the template is copied, never opened
    assert printer.connections == 0
    assert not private[0].exists()  # the private directory went with the session
    assert list(scratch.iterdir()) == []
