"""``cashier-tui serve``: the till in a browser, through textual-serve (a classroom's demo).

Each browser tab gets its own till process, started with the same settings this command was
given; in demo mode each has its own private demo database. The server listens on loopback
unless ``CASHIER_TUI_SERVE_HOST`` says otherwise.
"""

from __future__ import annotations

import os
import shlex
import sys


def till_command(settings) -> str:
    """The command textual-serve runs for each browser session."""
    argv = [sys.executable, "-m", "cashier_tui"]
    if settings.demo:
        argv.append("--demo")
    elif settings.db:
        argv += ["--db", str(settings.db)]
    if settings.lang:
        argv += ["--lang", settings.lang]
    if settings.config_loaded and settings.config_path:
        argv += ["--config", str(settings.config_path)]
    if not settings.demo:  # demo mode prints to the preview only
        argv += ["--printer", settings.printer]
    return shlex.join(argv)


def serve(settings, port: int | None = None) -> int:
    from textual_serve.server import Server

    host = os.environ.get("CASHIER_TUI_SERVE_HOST", "127.0.0.1")
    title = "cashier-tui (training)" if settings.demo else "cashier-tui"
    print(f"Serving the till on http://{host}:{port or 8000}  (Ctrl+C stops)", flush=True)
    Server(till_command(settings), host=host, port=port or 8000, title=title).serve()
    return 0
