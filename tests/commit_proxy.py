"""A loopback TCP proxy between a till and PostgreSQL that loses the reply to one COMMIT.

Every byte is passed both ways, until the proxy is armed: then the next ``COMMIT`` a client
sends (psycopg's ``commit()`` is a simple-protocol ``Query`` message) is

* ``withhold``: passed to the server, whose answer is awaited and thrown away, and the
  client's socket is closed: the transaction is stored, the till never hears so;
* ``drop``: never passed; the client's socket is closed: nothing is stored, and the till
  cannot tell that from the case above either;
* ``delay``: the client's socket is closed at once, the server's connection stays open (idle
  in transaction, holding its locks) and the COMMIT reaches the server ``delay`` seconds
  later (a network break while the server is still committing); ``delayed`` is set once
  the server has answered it.

The arming is used up by one COMMIT; ``trips`` counts them.
"""

from __future__ import annotations

import re
import socket
import threading
import time

_COMMIT = re.compile(rb"Q.{4}COMMIT\x00", re.S)


class CommitProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode: str | None = None
        self.delay = 0.0
        self.delayed = threading.Event()
        self.trips = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def arm(self, mode: str, delay: float = 0.0) -> None:
        assert mode in ("withhold", "drop", "delay")
        self.delay = delay
        self.delayed.clear()
        self.mode = mode

    def close(self) -> None:
        self.listener.close()

    def _take(self) -> str | None:
        with self._lock:
            mode, self.mode = self.mode, None
            if mode:
                self.trips += 1
            return mode

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            upstream = socket.create_connection(self.target)
            _Pair(self, client, upstream)


class _Pair:
    """One client connection and its connection to the server."""

    def __init__(self, proxy: CommitProxy, client: socket.socket,
                 upstream: socket.socket) -> None:
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.cut = False  # the server's answers are no longer passed on
        self.answered = threading.Event()
        threading.Thread(target=self._up, daemon=True).start()
        threading.Thread(target=self._down, daemon=True).start()

    def _up(self) -> None:
        try:
            while data := self.client.recv(65536):
                mode = self.proxy.mode and _COMMIT.search(data) and self.proxy._take()
                if mode == "withhold":
                    self.cut = True
                    self.upstream.sendall(data)
                    self.answered.wait(10)  # the server has committed and answered
                if mode == "delay":
                    self.cut = True
                    _shut(self.client)  # the till hears nothing more
                    time.sleep(self.proxy.delay)
                    self.upstream.sendall(data)
                    self.answered.wait(10)
                    self.proxy.delayed.set()
                if mode:
                    break
                self.upstream.sendall(data)
        except OSError:
            pass
        self._close()

    def _down(self) -> None:
        try:
            while data := self.upstream.recv(65536):
                if self.cut:
                    self.answered.set()
                    break
                self.client.sendall(data)
        except OSError:
            pass
        self.answered.set()
        self._close()

    def _close(self) -> None:
        _shut(self.client)
        _shut(self.upstream)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
