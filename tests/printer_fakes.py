"""Loopback fake printers, an ESC/POS stream reader and sample refunds for printer tests.

Real sockets on 127.0.0.1; nothing of ours is mocked. The stream reader knows exactly the
commands the renderer is meant to send and fails on anything else, so a stray byte in a
voucher fails a test.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from PIL import Image

from cashier_tui.domain.views import LegView, RefundLineView, RefundView

STATUS_OK = 0x12  # DLE EOT 4 answer: paper present
STATUS_NO_PAPER = 0x72  # paper end sensors set


class FakePrinter:
    """A network printer on 127.0.0.1:PORT (``port`` 0: any free one), served by one thread.

    mode: ``ok`` reads everything and answers ``DLE EOT 4``; ``paper_out`` answers it with
    "no paper"; ``mute`` reads everything and never answers status; ``silent`` accepts and
    never reads, with a small window (the send stalls); ``hoard`` accepts and never reads
    with ordinary buffers, so a whole voucher (~45 KB) fits in them and the send "succeeds"
    (a jammed printer the kernel hides); ``drop`` reads ``drop_after`` bytes and then resets
    the connection; ``busy`` accepts and closes at once (a printer serving another till).

    Like a real printer it takes one job after another: ``received`` is every byte of
    every job, ``jobs`` each connection's bytes, ``done`` is set when the first client has
    gone and ``jobs_done(n)`` waits for the n-th.
    """

    def __init__(self, mode: str = "ok", drop_after: int = 2000, port: int = 0) -> None:
        self.mode = mode
        self.drop_after = drop_after
        self.received = bytearray()
        self.jobs: list[bytes] = []
        self.done = threading.Event()  # set when the client has gone (or we dropped it)
        self._finished = threading.Condition()
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", port))
        if mode in ("silent", "drop"):
            # A small window, as a real printer's buffer: the sender cannot hand the whole job
            # to the kernel, so a stalled or lost printer shows while sending.
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            start = len(self.received)
            if self.mode == "busy":
                conn.close()
            elif self.mode in ("silent", "hoard"):
                self._held.append(conn)  # never read; closed by close()
                self._stop.wait(30)
            else:
                with conn:
                    self._talk(conn)
            with self._finished:
                self.jobs.append(bytes(self.received[start:]))
                self._finished.notify_all()
            self.done.set()

    def jobs_done(self, n: int, timeout: float = 5) -> bool:
        """Wait until ``n`` clients have come and gone."""
        with self._finished:
            return self._finished.wait_for(lambda: len(self.jobs) >= n, timeout)

    def _talk(self, conn: socket.socket) -> None:
        while True:
            try:
                chunk = conn.recv(1024 if self.mode == "drop" else 65536)
            except OSError:
                return
            if not chunk:
                return
            start = len(self.received)
            self.received.extend(chunk)
            if self.mode == "drop" and len(self.received) >= self.drop_after:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                return  # closing with linger 0 resets the connection
            window = bytes(self.received[max(0, start - 2):])
            asked = window.count(b"\x10\x04\x04")
            if asked and self.mode in ("ok", "paper_out"):
                status = STATUS_NO_PAPER if self.mode == "paper_out" else STATUS_OK
                conn.sendall(bytes([status]) * asked)

    def close(self) -> None:
        self._stop.set()
        for conn in self._held:
            conn.close()
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.server.close()
        self._thread.join(5)
        assert not self._thread.is_alive(), "the fake printer's thread did not stop"


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


# --- reading an ESC/POS stream back ---------------------------------------------------------

FIXED = {  # command prefix -> number of parameter bytes
    b"\x1b@": 0, b"\x1ba": 1, b"\x1bE": 1, b"\x1b!": 1, b"\x1bd": 1, b"\x1d!": 1,
    b"\x1dB": 1, b"\x1c&": 0, b"\x1c.": 0, b"\x1bp": 3, b"\x10\x04": 1,
}


@dataclass
class Stream:
    images: list[Image.Image] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)
    cuts: int = 0
    kicks: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def read_escpos(data: bytes) -> Stream:
    """Split an ESC/POS stream into text lines, raster images (GS v 0) and commands."""
    out, i, line, chinese = Stream(), 0, bytearray(), False
    while i < len(data):
        b = data[i]
        if data[i:i + 3] == b"\x1dv0":
            _density, xl, xh, yl, yh = data[i + 3:i + 8]
            width_bytes, height = xl + 256 * xh, yl + 256 * yh
            raw = data[i + 8:i + 8 + width_bytes * height]
            img = Image.frombytes("1", (width_bytes * 8, height), raw)
            out.images.append(Image.eval(img.convert("L"), lambda v: 255 - v))
            out.commands.append(data[i:i + 8])
            i += 8 + width_bytes * height
            continue
        if data[i:i + 2] == b"\x1dV":
            size = 3 if data[i + 2] in (0, 1, 48, 49) else 4
            out.cuts += 1
            out.commands.append(data[i:i + size])
            i += size
            continue
        prefix = data[i:i + 2]
        if prefix in FIXED:
            size = 2 + FIXED[prefix]
            out.commands.append(data[i:i + size])
            chinese = {b"\x1c&": True, b"\x1c.": False}.get(prefix, chinese)
            out.kicks += prefix == b"\x1bp"
            i += size
            continue
        if b == 0x0A:
            out.lines.append(line.decode("gb18030"))
            line.clear()
            i += 1
            continue
        if chinese and b >= 0x81:
            line.extend(data[i:i + 2])
            i += 2
            continue
        if 0x20 <= b < 0x7F:
            line.append(b)
            i += 1
            continue
        raise AssertionError(f"unexpected byte {b:#04x} at {i}: {data[i:i + 12]!r}")
    return out


def decode_codes(img: Image.Image) -> list[tuple[str, str]]:
    """(format, text) of every barcode zxing-cpp finds in ``img``."""
    import zxingcpp

    return [(str(r.format), r.text) for r in zxingcpp.read_barcodes(img)]


# --- sample refunds ---------------------------------------------------------------------------

CST = timezone(timedelta(hours=8))


def sample_refund(**changes) -> RefundView:
    """A refund of two lines back to a card and WeChat; ``changes`` replace fields."""
    lines = (
        RefundLineView(1, "6901234567892", "保温杯 500ml", 2, 10800, True),
        RefundLineView(2, "6901234567893", "Long-sleeve cotton shirt, navy blue, size XL",
                       1, 12900, False),
    )
    legs = (
        LegView(1, 1, "card", "card", "refund", 15000, "succeeded", "k-1", 1, "****4321"),
        LegView(2, 2, "wechat", "wechat", "refund", 8700, "succeeded", "k-2", 1, "…7788"),
    )
    values = dict(
        refund_no="R-T01-261122-0001", receipt_no="S01-T02-20261120-0042",
        created_at=datetime(2026, 11, 22, 14, 3, 5, tzinfo=CST), kind="items",
        payout="original", amount=23700, currency="CNY", reason="defective",
        reason_text=None, note=None, cashier="C007", approver="M001",
        approval_rules=("over_threshold",), status="completed", lines=lines, legs=legs,
        store="S01", till="T01",
    )
    values.update(changes)
    return RefundView(**values)


def cash_refund(**changes) -> RefundView:
    legs = (LegView(1, 1, "card", "cash", "cash", 5000, "succeeded", "k-9", 1, "****4321"),)
    values = dict(refund_no="R-T01-261122-0002", kind="amount", payout="cash", amount=5000,
                  lines=(), legs=legs, reason="price_adjustment", approver=None)
    values.update(changes)
    return sample_refund(**values)
