"""Run the command line as a user does, in a subprocess on this worktree's code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli_env(home: Path) -> dict[str, str]:
    """The environment of a fresh user: no CASHIER_TUI_* settings, XDG dirs under ``home``."""
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("CASHIER_TUI_")}
    clean.update(XDG_CONFIG_HOME=str(home / "cfg"), XDG_DATA_HOME=str(home / "data"),
                 XDG_STATE_HOME=str(home / "state"), LANG="C.UTF-8")
    return clean


def run_cli(home: Path, *args: str, stdin: str = "", umask: int | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m cashier_tui ARGS`` with ``stdin``, optionally under ``umask``."""
    def preexec() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run([sys.executable, "-m", "cashier_tui", *args], input=stdin,
                          capture_output=True, text=True, env=cli_env(home), timeout=timeout,
                          preexec_fn=preexec)


def log_path(home: Path) -> Path:
    return home / "state" / "cashier-tui" / "log" / "cashier-tui.log"
