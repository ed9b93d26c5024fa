import socket
import threading

import pytest

from titan_sdk import Op, TitanClient, TitanConnectionError, TitanError
from titan_sdk.connection import Connection


def test_nothing_listening_is_a_clear_connection_error(closed_port):
    client = TitanClient("127.0.0.1", closed_port)
    with pytest.raises(TitanConnectionError) as err:
        client.get_job_status("x")
    msg = str(err.value)
    assert f"127.0.0.1:{closed_port}" in msg
    assert "titan up" in msg and "titan bridge" in msg
    assert isinstance(err.value, ConnectionError) and isinstance(err.value, TitanError)


@pytest.mark.parametrize("method,args", [
    ("store_get", ("k",)), ("fetch_logs", ("j",)), ("stats", ()), ("store_smembers", ("s",)),
])
def test_every_method_raises_on_connection_failure_even_in_compat_mode(closed_port, method, args):
    with pytest.raises(TitanConnectionError):
        getattr(TitanClient("127.0.0.1", closed_port), method)(*args)


def test_reply_timeout_is_a_connection_error():
    server = socket.create_server(("127.0.0.1", 0))  # accepts (backlog) but never answers
    port = server.getsockname()[1]
    try:
        with pytest.raises(TitanConnectionError, match="no reply .* within 0.3 s"):
            TitanClient("127.0.0.1", port, timeout=0.3).stats()
    finally:
        server.close()


def test_per_request_connections_by_default(fake_bridge):
    bridge = fake_bridge()
    client = TitanClient("127.0.0.1", bridge.port)
    for _ in range(3):
        assert client.store_put("k", "v") == "OK"
    assert bridge.connections == 3


def test_reuse_connection_sends_frames_on_one_socket(fake_bridge):
    bridge = fake_bridge(lambda op, p: f"{op}:{p}")
    with TitanClient("127.0.0.1", bridge.port, reuse_connection=True) as client:
        replies = [client.request(Op.KV_GET, f"k{i}") for i in range(5)]
    assert replies == [f"97:k{i}" for i in range(5)]
    assert bridge.connections == 1
    assert [f[0] for f in bridge.frames] == [1] * 5


def test_reuse_reconnects_once_when_bridge_closed_the_socket(fake_bridge):
    bridge = fake_bridge(close_after=2)  # the bridge drops each connection after 2 frames
    client = TitanClient("127.0.0.1", bridge.port, reuse_connection=True)
    for i in range(5):
        assert client.store_put("k", str(i)) == "OK"
    assert [p for _, _, p in bridge.frames] == [f"k|{i}" for i in range(5)]  # none lost or doubled
    assert bridge.connections == 3
    client.close()


def test_reuse_is_thread_safe(fake_bridge):
    bridge = fake_bridge(lambda op, p: p)
    client = TitanClient("127.0.0.1", bridge.port, reuse_connection=True)
    results: dict[int, str] = {}

    def worker(n):
        for i in range(20):
            results[n * 100 + i] = client.request(Op.KV_GET, f"{n}-{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[n * 100 + i] == f"{n}-{i}" for n in range(4) for i in range(20))
    assert bridge.connections == 1


def test_fresh_connection_closed_without_reply(fake_bridge):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def accept_and_close():
        conn, _ = server.accept()
        conn.recv(100)
        conn.close()

    threading.Thread(target=accept_and_close, daemon=True).start()
    try:
        with pytest.raises(TitanConnectionError, match=f"127.0.0.1:{port}"):
            Connection("127.0.0.1", port, timeout=2).request(Op.STATS)
    finally:
        server.close()


def test_non_titan_peer_is_a_protocol_error():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def http_like():
        conn, _ = server.accept()
        conn.recv(100)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        conn.close()

    threading.Thread(target=http_like, daemon=True).start()
    try:
        with pytest.raises(TitanError, match="version"):
            TitanClient("127.0.0.1", port).stats()
    finally:
        server.close()
