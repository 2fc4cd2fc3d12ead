"""Logging to a rotating file in the user log dir, never to the terminal the app draws on.

Every refund, leg transition, print and error is logged with the refund number; never a PIN,
a secret or a card number (DESIGN.md §11). Warnings from libraries go to the file too.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "cashier-tui.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"

_handler: RotatingFileHandler | None = None


def default_log_file() -> Path:
    from platformdirs import user_log_path

    return user_log_path("cashier-tui", appauthor=False) / LOG_NAME


def setup_logging(level: str = "INFO", log_file: str | os.PathLike[str] | None = None) -> Path:
    """Send every log record at ``level`` or above to the rotating file; return its path.

    Called again (another level, another file) it replaces its own handler, nothing else.
    """
    global _handler
    path = Path(log_file) if log_file else default_log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                  encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.captureWarnings(True)
    # SQLAlchemy at INFO logs every statement with its parameters: keep it quieter.
    logging.getLogger("sqlalchemy").setLevel(max(root.level, logging.WARNING))
    _handler = handler
    return path
