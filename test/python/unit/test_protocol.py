import struct

import pytest

from titan_sdk.errors import TitanProtocolError
from titan_sdk.protocol import (
    HEADER_SIZE, MAX_PAYLOAD, Op, decode_frame, decode_header, encode_frame,
)


def test_header_layout():
    frame = encode_frame(Op.KV_GET, "key")
    assert frame[:8] == bytes([0x01, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03])
    assert frame[8:] == b"key"


def test_length_is_big_endian_u32():
    payload = "x" * 0x010203
    frame = encode_frame(Op.KV_SET, payload)
    assert frame[4:8] == b"\x00\x01\x02\x03"
    assert struct.unpack(">I", frame[4:8])[0] == len(payload)


@pytest.mark.parametrize("text,size", [("é", 2), ("中", 3), ("😀", 4), ("aé中😀", 10)])
def test_length_counts_utf8_bytes_not_characters(text, size):
    frame = encode_frame(Op.KV_SET, text)
    assert struct.unpack(">I", frame[4:8])[0] == size
    assert frame[8:].decode("utf-8") == text


def test_empty_payload():
    assert encode_frame(Op.STATS) == b"\x01\x08\x00\x00\x00\x00\x00\x00"


def test_opcodes_match_spec():
    expected = {
        "SUBMIT_JOB": 0x03, "SUBMIT_DAG": 0x04, "DEPLOY": 0x05, "RUN": 0x06, "STOP": 0x07,
        "STATS": 0x08, "STATS_JSON": 0x09, "GET_LOGS": 0x16, "UPLOAD_ASSET": 0x53,
        "FETCH_ASSET": 0x54, "GET_JOB_STATUS": 0x55, "CANCEL_JOB": 0x56, "DEPLOY_SCRIPT": 0x57,
        "KV_SET": 0x60, "KV_GET": 0x61, "KV_SADD": 0x62, "KV_SMEMBERS": 0x63,
    }
    assert {name: int(Op[name]) for name in expected} == expected


def test_decode_roundtrip_and_ignores_flags():
    frame = bytearray(encode_frame(Op.ACK, "DAG_ACCEPTED ✓"))
    frame[2], frame[3] = 0x7F, 0x7F  # flags and spare are ignored on read
    assert decode_frame(bytes(frame)) == (0x50, "DAG_ACCEPTED ✓")


def test_bad_version_rejected():
    with pytest.raises(TitanProtocolError, match="version"):
        decode_header(b"\x02\x50\x00\x00\x00\x00\x00\x00")


def test_header_must_be_8_bytes():
    assert HEADER_SIZE == 8
    with pytest.raises(TitanProtocolError):
        decode_header(b"\x01\x50")


def test_oversized_payload_refused_before_sending():
    encode_frame(Op.UPLOAD_ASSET, b"x" * MAX_PAYLOAD)  # exactly the limit is fine
    with pytest.raises(TitanProtocolError, match="at most"):
        encode_frame(Op.UPLOAD_ASSET, b"x" * (MAX_PAYLOAD + 1))
