"""The ``VoucherTarget`` port: what every printer adapter is, and the error it raises.

:mod:`printers.targets` (preview, file, usb, serial, lp, and ``parse_target``) and
:mod:`printers.network` (tcp) both build on it, so the network adapter needs nothing of
``targets`` (which picks it in ``parse_target``): no import circle.
"""

from __future__ import annotations

import contextlib
import io
from abc import ABC, abstractmethod

AGAIN = "then press p to print again."


class PrinterError(Exception):
    """A printing problem: ``code`` for the program, ``message`` for the cashier."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@contextlib.contextmanager
def quiet():
    """python-escpos print()s warnings; in a TUI they would land on the screen."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


class VoucherTarget(ABC):
    uri: str

    @abstractmethod
    def send(self, data: bytes, timeout_s: float) -> None:
        """Deliver one job, within ``timeout_s``, or raise :class:`PrinterError`."""

    def __str__(self) -> str:
        return self.uri
