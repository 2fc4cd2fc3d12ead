"""Logging to a rotating file in the user log dir, never to the terminal the app draws on.

Every refund, leg transition, print and error is logged with the refund number; never a PIN,
a secret or a card number (DESIGN.md §11): whatever an exception message holds, a digit
sequence that may be a card number is removed before the line is written (the detector of
:mod:`cashier_tui.domain.cardnumbers`). Warnings from libraries go to the file too.

The file is created 0600 in a 0700 directory whatever the umask. When it cannot be written (a
full disk) records are dropped quietly: logging's own report of the failure goes to stderr,
which is the terminal the app draws on.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .domain.cardnumbers import redact
from .files import private_file

LOG_NAME = "cashier-tui.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"

_handler: RotatingFileHandler | None = None


class RedactingFormatter(logging.Formatter):
    """The message, the traceback and the stack of a record with card numbers removed (the
    time in front of the line is left alone: its digits are no card number)."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_text:  # made by another handler's formatter
            record.exc_text = redact(record.exc_text)
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


class QuietFileHandler(RotatingFileHandler):
    """A rotating file of mode 0600 that never reports its own failures on stderr."""

    dropped = 0  # records lost since the start (a full disk, a vanished directory)

    def __init__(self, path: Path) -> None:
        private_file(path)
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                         delay=True)
        self.rotator = self._rotate

    def _rotate(self, source: str, dest: str) -> None:
        os.replace(source, dest)
        private_file(source)  # the next file is made 0600 before logging opens it

    def handleError(self, record: logging.LogRecord) -> None:
        type(self).dropped += 1


def default_log_file() -> Path:
    from platformdirs import user_log_path

    return user_log_path("cashier-tui", appauthor=False) / LOG_NAME


def setup_logging(level: str = "INFO", log_file: str | os.PathLike[str] | None = None) -> Path:
    """Send every log record at ``level`` or above to the rotating file; return its path.

    Called again (another level, another file) it replaces its own handler, nothing else.
    """
    global _handler
    path = Path(log_file) if log_file else default_log_file()
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    handler = QuietFileHandler(path)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.captureWarnings(True)
    # SQLAlchemy at INFO logs every statement with its parameters: keep it quieter.
    logging.getLogger("sqlalchemy").setLevel(max(root.level, logging.WARNING))
    _handler = handler
    return path


def stop_logging() -> None:
    """Remove and close the handler :func:`setup_logging` added (tests)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None
