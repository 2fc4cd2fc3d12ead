"""``tcp://HOST[:9100]``: a network printer (raw port 9100) through python-escpos's Network.

The whole job has one deadline (``printer_timeout_s``, never the library's 60 s): connect,
status, every chunk of data. Problems and how they are told apart:

* offline: the connection is refused or nobody answers (nothing listening, printer off).
* refused: the printer accepts, then closes before taking the job (busy with another till).
* paper_out: the printer answers the real-time paper status (``DLE EOT 4``, what
  ``paper_status()`` sends) with "no paper". The status is asked before the job and, for
  printers that answered it, again after. A printer that does not answer within
  ``STATUS_WAIT_S`` is taken as one that does not report status; the job goes on.
* timeout: the printer accepts but stops taking data (our send buffer is kept small, so a
  stalled printer blocks the send instead of the kernel swallowing the whole job).
* dropped: the connection breaks after part of the job went out.
* unconfirmed: the whole job went out, but the printer never showed it took it. Handing the
  bytes to our kernel proves nothing: a printer that accepts and never reads still lets a
  whole voucher (~45 KB) sit in the loopback or network buffers. A job counts as printed only
  when the printer answered the status asked *after* the job (it has read up to there), or,
  for a printer that does not report status, when it drained the connection and closed it
  cleanly after our half-close (``shutdown(SHUT_WR)``, then its EOF) within the deadline.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from .port import AGAIN, PrinterError, VoucherTarget, quiet
from .profiles import DEFAULT_PROFILE

STATUS_WAIT_S = 0.4  # how long a printer may take to answer DLE EOT before we stop asking
CHUNK = 4096
SEND_BUFFER = 8192
DLE_EOT_PAPER = b"\x10\x04\x04"
NO_PAPER_MASK = 0x60  # bits 5-6 of the paper sensor status: paper end


@dataclass
class NetworkTarget(VoucherTarget):
    host: str
    port: int = 9100
    profile: str = DEFAULT_PROFILE
    uri: str = ""

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _offline(self) -> PrinterError:
        return PrinterError("offline", f"The printer at {self.where} is not answering. "
                            f"Check it is on and connected, {AGAIN}")

    def _paper_out(self) -> PrinterError:
        return PrinterError("paper_out", f"The printer at {self.where} is out of paper. "
                            f"Load a new roll, {AGAIN}")

    def _refused(self) -> PrinterError:
        return PrinterError("refused", f"The printer at {self.where} refused the voucher "
                            f"(it may be busy printing for another till). Wait a moment, {AGAIN}")

    def _timeout(self) -> PrinterError:
        return PrinterError("timeout", f"The printer at {self.where} stopped taking the "
                            f"voucher. Check its paper and cover, {AGAIN}")

    def _dropped(self) -> PrinterError:
        return PrinterError("dropped", f"The connection to the printer at {self.where} broke "
                            f"during printing. The voucher may be cut short: {AGAIN}")

    def send(self, data: bytes, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        with quiet():
            from escpos.exceptions import DeviceNotFoundError
            from escpos.printer import Network

            printer = Network(self.host, self.port, timeout=timeout_s, profile=self.profile)
            try:
                printer.open()
            except DeviceNotFoundError as exc:
                raise self._offline() from exc
            try:
                sock: socket.socket = printer.device
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
                reports = self._status(printer, sock, deadline, before=True)
                self._send_all(printer, sock, data, deadline)
                if not (reports and self._status(printer, sock, deadline, before=False)):
                    self._await_close(sock, deadline)
            finally:
                _drain(sock)
                printer.close()

    def _status(self, printer, sock: socket.socket, deadline: float, *, before: bool) -> bool:
        """Ask the paper status; True if the printer answered (it reports status)."""
        try:
            sock.settimeout(_left(deadline, STATUS_WAIT_S if before else None))
            reply = printer.query_status(DLE_EOT_PAPER)
        except TimeoutError:
            return False
        except OSError as exc:
            raise (self._refused() if before else self._dropped()) from exc
        if not reply:
            raise self._refused() if before else self._dropped()
        if reply[-1] & NO_PAPER_MASK == NO_PAPER_MASK:
            raise self._paper_out()
        return True

    def _unconfirmed(self) -> PrinterError:
        return PrinterError("unconfirmed", f"The printer at {self.where} did not confirm it "
                            f"took the voucher. If it did not come out, {AGAIN}")

    def _await_close(self, sock: socket.socket, deadline: float) -> None:
        """Half-close, then wait for the printer's own close: it has read the whole job."""
        try:
            sock.shutdown(socket.SHUT_WR)
            while True:
                sock.settimeout(_left(deadline))
                if not sock.recv(256):
                    return
        except TimeoutError as exc:
            raise self._unconfirmed() from exc
        except OSError as exc:  # reset: the printer went away with the job unread
            raise self._dropped() from exc

    def _send_all(self, printer, sock: socket.socket, data: bytes, deadline: float) -> None:
        for start in range(0, len(data), CHUNK):
            try:
                sock.settimeout(_left(deadline))
                printer._raw(data[start:start + CHUNK])
            except TimeoutError as exc:
                raise self._timeout() from exc
            except OSError as exc:  # broken pipe, reset
                raise (self._refused() if start == 0 else self._dropped()) from exc


def _left(deadline: float, cap: float | None = None) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return min(left, cap) if cap is not None else left


def _drain(sock) -> None:
    """Read what the printer sent us, so that closing does not reset the connection (a reset
    would throw away the end of the job still in our send buffer)."""
    if not sock:
        return
    try:
        sock.setblocking(False)  # a timeout would make recv wait for data first
        while sock.recv(256):
            pass
    except OSError:  # nothing more to read (BlockingIOError), or the connection is gone
        pass
