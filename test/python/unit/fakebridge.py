"""A tiny in-process TITAN_PROTO server for unit tests only.

It records every frame as (connection number, opcode, payload) and answers
with ``handler(opcode, payload) -> str``. Integration tests use the real bridge.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable

Handler = Callable[[int, str], str]


def _recv_exact(conn: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class FakeBridge:
    def __init__(self, handler: Handler | None = None, close_after: int | None = None) -> None:
        self.handler: Handler = handler or (lambda op, payload: "OK")
        self.close_after = close_after  # close each connection after N frames
        self.frames: list[tuple[int, int, str]] = []
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        served = 0
        with conn:
            while True:
                head = _recv_exact(conn, 8)
                if head is None:
                    return
                _v, op, _f, _s, length = struct.unpack(">BBBBI", head)
                body = _recv_exact(conn, length) if length else b""
                if body is None:
                    return
                payload = body.decode("utf-8")
                self.frames.append((number, op, payload))
                reply = self.handler(op, payload).encode("utf-8")
                rop = 0x51 if reply.startswith(b"ERROR") else 0x50
                conn.sendall(struct.pack(">BBBBI", 1, rop, 0, 0, len(reply)) + reply)
                served += 1
                if self.close_after and served >= self.close_after:
                    return

    def close(self) -> None:
        self._stop = True
        self._sock.close()
