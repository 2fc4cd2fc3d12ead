"""A loopback network printer (tcp://127.0.0.1:PORT) that serves many jobs, one per
connection, for the crash tests: ``ok`` takes every job whole and answers the paper status;
``stall`` takes the first ``stall_after`` bytes of a job, then stops reading (a printer
jammed mid-voucher) and sets ``stalled``, so the test can kill the till while it is sending.
"""

from __future__ import annotations

import socket
import threading

DLE_EOT_PAPER = b"\x10\x04\x04"
STATUS_OK = b"\x12"


class LoopbackPrinter:
    def __init__(self, mode: str = "ok", stall_after: int = 1000) -> None:
        self.mode = mode
        self.stall_after = stall_after
        self.jobs: list[bytes] = []  # complete jobs (the till closed the connection)
        self.partial: list[bytes] = []  # jobs cut short (the till died while sending)
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        if mode == "stall":
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._job, args=(conn,), daemon=True).start()

    def _job(self, conn: socket.socket) -> None:
        data = bytearray()
        conn.settimeout(0.2)
        complete = False
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536 if self.mode == "ok" else 512)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                complete = True
                break
            start = len(data)
            data.extend(chunk)
            asked = bytes(data[max(0, start - 2):]).count(DLE_EOT_PAPER)
            if asked and (self.mode == "ok" or len(data) < self.stall_after):
                try:
                    conn.sendall(STATUS_OK * asked)
                except OSError:
                    break
            if self.mode == "stall" and len(data) >= self.stall_after:
                self.stalled.set()
                self._stop.wait(60)  # stop reading: the sender blocks
                break
        with self._lock:
            (self.jobs if complete else self.partial).append(bytes(data))
        conn.close()

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        for conn in self._conns:
            try:
                conn.close()
            except OSError:
                pass
        self._thread.join(5)
