"""Start to the sign-in screen painted, normal and demo mode, against a bare Textual app.

Each variant is a new process in a pseudo-terminal of 80x24 (``TERM=xterm-256color``), as a
till starts in its terminal. The clock starts just before the process is spawned and stops
when the bytes the app wrote to the terminal first contain the sign-in screen's "Cashier id"
label: Textual writes a frame in one write, so that is the first paint of the sign-in
screen. Then Ctrl+Q quits the app (so the demo removes its private copy) and the next run
starts. The variants:

* ``bare``: :mod:`benchmarks.bare_app`, a Textual app with the same widgets and nothing else;
* ``normal``: ``python -m cashier_tui --db build/bench/work/start.db`` (a database already at
  the schema's head, as on every start but the first);
* ``demo``: ``python -m cashier_tui --demo`` (the demo template already cached, as on every
  start but the first).

Every till process gets its own config/data/cache/log directories under build/bench/xdg and
English. One warm-up run of each (byte-code, the demo template, the secret), then ``runs``
rounds, the variants interleaved; medians. Budget: each mode within 1.3x of ``bare``.

    python -m benchmarks.bench_startup [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

from .common import (
    PYTHON,
    ROOT,
    Result,
    bench_dir,
    bench_env,
    interleave,
    log,
    median,
    spread,
    within,
)

LIMIT = 1.3
MARKER = b"Cashier id"
QUIT = b"\x11"  # Ctrl+Q


def start_db(work: Path) -> Path:
    """A till database at the schema's head (the normal start only checks the head)."""
    from cashier_tui.storage import migrate
    from cashier_tui.storage.db import make_engine

    path = work / "start.db"
    engine = make_engine(path)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return path


def time_to_paint(cmd: list[str], env: dict[str, str], timeout: float = 60.0,
                  cwd: Path = ROOT) -> float:
    """Seconds from spawning ``cmd`` (in ``cwd``) in an 80x24 pseudo-terminal to
    :data:`MARKER` on it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                            start_new_session=True)
    os.close(slave)
    seen, painted = b"", None
    try:
        while painted is None and time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            seen = seen[-len(MARKER):] + chunk
            if MARKER in seen:
                painted = time.perf_counter() - started
        if painted is None:
            raise RuntimeError(f"{' '.join(cmd)}: no sign-in screen within {timeout:.0f} s "
                               f"(exit {proc.poll()}); last output {seen[-300:]!r}")
        _quit(proc, master)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return painted


def _quit(proc: subprocess.Popen, master: int) -> None:
    """Ctrl+Q, reading what the app still writes until it exits (else it could block)."""
    os.write(master, QUIT)
    deadline = time.monotonic() + 15
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                os.read(master, 1 << 16)
            except OSError:
                break
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


def measure(runs: int) -> list[Result]:
    work = bench_dir() / "work"
    work.mkdir(parents=True, exist_ok=True)
    env = bench_env()
    tmp = bench_dir() / "tmp"  # the demo's private copies, should a run be killed
    tmp.mkdir(parents=True, exist_ok=True)
    env["TMPDIR"] = str(tmp)
    db = start_db(work)
    commands = {
        "bare": [PYTHON, "-m", "benchmarks.bare_app"],
        "normal": [PYTHON, "-m", "cashier_tui", "--db", str(db)],
        "demo": [PYTHON, "-m", "cashier_tui", "--demo"],
    }
    for name, cmd in commands.items():  # warm-up: byte-code, secret, demo template
        log(f"startup: warm-up {name}")
        time_to_paint(cmd, env, timeout=300)
    samples = interleave(runs, {name: (lambda cmd=cmd: time_to_paint(cmd, env))
                                for name, cmd in commands.items()})
    shutil.rmtree(tmp, ignore_errors=True)
    bare = median(samples["bare"])
    detail = {name: f"{runs} runs {spread(v, 1000, '{:.0f}')} ms"
              for name, v in samples.items()}
    return [within(f"start to sign-in painted ({name})", median(samples[name]) * 1000,
                   bare * 1000, "ms", "bare Textual app", LIMIT,
                   f"{name} {detail[name]}; bare {detail['bare']}")
            for name in ("normal", "demo")]


def run(quick: bool = False) -> list[Result]:
    return measure(3 if quick else 9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_startup")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int)
    args = parser.parse_args(argv)
    results = run(args.quick) if args.runs is None else measure(args.runs)
    from .report import table

    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
