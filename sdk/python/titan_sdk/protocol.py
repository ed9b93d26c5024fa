"""TITAN_PROTO framing: pure functions, no sockets.

A frame is an 8-byte header (version, opcode, flags, spare, u32 big-endian
payload length) followed by the UTF-8 payload. See spec/titan-proto.md.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from .errors import TitanProtocolError

VERSION = 0x01
HEADER = struct.Struct(">BBBBI")
HEADER_SIZE = HEADER.size  # 8
# The bridge refuses bigger request payloads; checking first gives a clear error.
MAX_PAYLOAD = 10 * 1024 * 1024
# Replies may exceed MAX_PAYLOAD (Base64 of a large asset); this only guards
# against reading a garbage length from a peer that is not a bridge.
MAX_REPLY = 256 * 1024 * 1024


class Op(IntEnum):
    """Opcodes a client sends (and the two reply opcodes)."""

    SUBMIT_JOB = 0x03
    SUBMIT_DAG = 0x04
    DEPLOY = 0x05
    RUN = 0x06
    STOP = 0x07
    STATS = 0x08
    STATS_JSON = 0x09
    GET_LOGS = 0x16
    UPLOAD_ASSET = 0x53
    FETCH_ASSET = 0x54
    GET_JOB_STATUS = 0x55
    CANCEL_JOB = 0x56
    DEPLOY_SCRIPT = 0x57
    KV_SET = 0x60
    KV_GET = 0x61
    KV_SADD = 0x62
    KV_SMEMBERS = 0x63
    AUTH = 0x70  # not in the original SDK: the opt-in bridge token
    ACK = 0x50
    ERROR = 0x51


@dataclass(frozen=True)
class Header:
    version: int
    opcode: int
    flags: int
    length: int


def encode_frame(opcode: int, payload: str | bytes = b"") -> bytes:
    """Return header + payload; ``str`` payloads are encoded as UTF-8."""
    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    if len(body) > MAX_PAYLOAD:
        raise TitanProtocolError(
            f"payload is {len(body)} bytes; TITAN_PROTO accepts at most {MAX_PAYLOAD}"
        )
    if not 0 <= int(opcode) <= 0xFF:
        raise TitanProtocolError(f"opcode {opcode} does not fit in one byte")
    return HEADER.pack(VERSION, int(opcode), 0, 0, len(body)) + body


def decode_header(data: bytes) -> Header:
    """Parse the 8 header bytes; flags and spare are ignored as the spec says."""
    if len(data) != HEADER_SIZE:
        raise TitanProtocolError(f"header must be {HEADER_SIZE} bytes, got {len(data)}")
    version, opcode, flags, _spare, length = HEADER.unpack(data)
    if version != VERSION:
        raise TitanProtocolError(
            f"unexpected protocol version {version:#04x} (is this a Titan bridge?)"
        )
    if length > MAX_REPLY:
        raise TitanProtocolError(f"frame length {length} is implausibly large")
    return Header(version, opcode, flags, length)


def decode_frame(data: bytes) -> tuple[int, str]:
    """Decode one complete frame held in ``data``; returns (opcode, text)."""
    header = decode_header(data[:HEADER_SIZE])
    body = data[HEADER_SIZE:]
    if len(body) != header.length:
        raise TitanProtocolError(f"frame says {header.length} bytes, holds {len(body)}")
    return header.opcode, decode_text(body)


def decode_text(body: bytes) -> str:
    """Decode a payload as UTF-8 (strict: corrupt text is a protocol error)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TitanProtocolError(f"reply is not valid UTF-8: {exc}") from None
