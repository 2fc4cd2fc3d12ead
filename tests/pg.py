"""A throwaway PostgreSQL server for the tests that need one.

The server runs as the ``postgres`` system user (PostgreSQL refuses root) in a temporary
directory, listens on loopback on a free port, and is stopped at the end of the session.
Without PostgreSQL binaries the tests skip with a reason, except under CI (``CI=true``),
where they must run: there a missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    data_dir: Path
    socket_dir: Path
    log: Path

    def stop(self) -> None:
        """Stop the server (fault tests: the database goes away mid-session)."""
        subprocess.run(_as_postgres(_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast",
                                    "-w", "stop"), check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        subprocess.run(_as_postgres(
            _bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log), "-w", "-o",
            f"-k {self.socket_dir} -p {self.port} -h {self.host} -c fsync=off "
            "-c max_connections=60", "start"), check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests must run in CI: {reason}")
    pytest.skip(reason)


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        _unavailable("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="cashier-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    log = base / "server.log"
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    server = PgServer("127.0.0.1", port, data, sock, log)
    try:
        subprocess.run(_as_postgres(initdb, "-D", str(data), "-U", "postgres",
                                    "--auth=trust", "--no-sync", "-E", "UTF8"), **run)
        server.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or ""
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(f"could not start PostgreSQL: {detail.strip()[:300]}")
    try:
        yield server
    finally:
        subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-m", "immediate", "stop"),
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
