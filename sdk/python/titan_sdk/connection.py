"""Socket transport: send one frame, read one reply frame.

Two modes:
* per request (default, like the original SDK): connect, send, read, close;
* persistent (``reuse=True``): one socket reused for every request, reopened
  once transparently when the bridge has closed it in between.

With a bridge token, every new socket first sends AUTH with it (once per socket).
"""

from __future__ import annotations

import _thread  # threading's lock without threading's import (and its hook on every fork)
import socket

from .errors import TitanConnectionError
from .protocol import HEADER_SIZE, Op, decode_header, decode_text, encode_frame

DEFAULT_TIMEOUT = 10.0  # the original SDK's reply timeout; the bridge answers sooner
_HINT = (
    "Is the bridge running? Start a local cluster with `titan up`, or a bridge "
    "with `titan bridge --url URL --token TOKEN`; TITAN_HOST/TITAN_PORT choose "
    "the address."
)


class _StaleSocket(Exception):
    """A reused socket turned out closed before any reply byte arrived."""


class BridgeTokenRefused(TitanConnectionError):
    """The bridge refused our AUTH; ``reply`` holds its ``ERROR: …`` text."""


class Connection:
    """Talks TITAN_PROTO to one bridge address. Thread-safe."""

    def __init__(
        self,
        host: str,
        port: int,
        timeout: float = DEFAULT_TIMEOUT,
        reuse: bool = False,
        token: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.reuse = reuse
        self.token = token or None
        self._sock: socket.socket | None = None
        self._lock = _thread.allocate_lock()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def request(self, opcode: int, payload: str | bytes = b"") -> tuple[int, str]:
        """Send one frame and return ``(reply opcode, reply text)``."""
        frame = encode_frame(opcode, payload)
        with self._lock:
            if not self.reuse:
                sock = self._open()
                try:
                    return self._exchange(sock, frame, fresh=True)
                finally:
                    sock.close()
            fresh = self._sock is None
            if fresh:
                self._sock = self._open()
            try:
                return self._exchange(self._sock, frame, fresh=fresh)
            except _StaleSocket:
                # The bridge closed our idle socket; the request never got a
                # reply, so sending it again on a new socket is the one retry.
                self._drop()
                self._sock = self._open()
                return self._exchange(self._sock, frame, fresh=True)
            except BaseException:
                self._drop()
                raise

    def close(self) -> None:
        """Close the persistent socket, if any."""
        with self._lock:
            self._drop()

    # -- internals -----------------------------------------------------------

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _open(self) -> socket.socket:
        """A connected socket, authenticated when a token is set."""
        sock = self._connect()
        if self.token is None:
            return sock
        try:
            opcode, text = self._exchange(sock, encode_frame(Op.AUTH, self.token), fresh=True)
        except BaseException:
            sock.close()
            raise
        if opcode == Op.ERROR:
            sock.close()  # the bridge closes it too
            raise BridgeTokenRefused(
                f"the Titan bridge at {self.address} refused the bridge token: {text}", reply=text
            )
        return sock

    def _connect(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except socket.timeout:
            raise TitanConnectionError(
                f"timed out connecting to the Titan bridge at {self.address} "
                f"after {self.timeout:g} s. {_HINT}"
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise TitanConnectionError(
                f"cannot connect to the Titan bridge at {self.address} ({reason}). {_HINT}"
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _exchange(self, sock: socket.socket, frame: bytes, fresh: bool) -> tuple[int, str]:
        # Only a reused socket failing before any reply byte is "stale" (retried);
        # anything else is reported, so a request is never applied twice knowingly.
        got_reply = False
        try:
            try:
                sock.sendall(frame)
                first = sock.recv(HEADER_SIZE)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                if not fresh:
                    raise _StaleSocket() from None
                raise
            if not first:
                if not fresh:
                    raise _StaleSocket()
                raise TitanConnectionError(
                    f"the Titan bridge at {self.address} closed the connection without replying"
                )
            got_reply = True
            head = first + self._recv_exact(sock, HEADER_SIZE - len(first))
            header = decode_header(head)
            body = self._recv_exact(sock, header.length)
        except (_StaleSocket, TitanConnectionError):
            raise
        except socket.timeout:
            raise TitanConnectionError(
                f"no reply from the Titan bridge at {self.address} within {self.timeout:g} s"
            ) from None
        except OSError as exc:
            where = "mid-reply" if got_reply else "before replying"
            raise TitanConnectionError(
                f"connection to the Titan bridge at {self.address} failed {where}: {exc}"
            ) from None
        return header.opcode, decode_text(body)

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise TitanConnectionError(
                    f"the Titan bridge at {self.address} closed the connection "
                    f"mid-reply ({len(buf)} of {n} bytes)"
                )
            buf += chunk
        return bytes(buf)
