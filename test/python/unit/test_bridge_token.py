"""The opt-in bridge token: AUTH goes first on every new socket, and only when set."""

import pytest

from titan_sdk import Op, TitanClient, TitanConnectionError

REFUSED = "ERROR: bad bridge token"


def token_bridge(fake_bridge, token="s3cret"):
    """A fake bridge that answers AUTH like the real one (close on refusal not modelled)."""
    def handler(op, payload):
        if op == Op.AUTH:
            return "AUTH_OK" if payload == token else REFUSED
        return "VALUE"
    return fake_bridge(handler)


def test_without_a_token_nothing_extra_is_sent(fake_bridge):
    bridge = token_bridge(fake_bridge)
    TitanClient("127.0.0.1", bridge.port).store_get("k")
    assert [op for _, op, _ in bridge.frames] == [Op.KV_GET]


def test_one_shot_connections_authenticate_each_socket(fake_bridge):
    bridge = token_bridge(fake_bridge)
    client = TitanClient("127.0.0.1", bridge.port, bridge_token="s3cret")
    assert client.store_get("a") == "VALUE"
    assert client.store_get("b") == "VALUE"
    assert bridge.frames == [
        (1, Op.AUTH, "s3cret"), (1, Op.KV_GET, "a"),
        (2, Op.AUTH, "s3cret"), (2, Op.KV_GET, "b"),
    ]


def test_a_reused_socket_authenticates_once(fake_bridge):
    bridge = token_bridge(fake_bridge)
    with TitanClient("127.0.0.1", bridge.port, bridge_token="s3cret", reuse_connection=True) as client:
        client.store_get("a")
        client.store_get("b")
    assert bridge.frames == [(1, Op.AUTH, "s3cret"), (1, Op.KV_GET, "a"), (1, Op.KV_GET, "b")]


def test_a_reopened_socket_authenticates_again(fake_bridge):
    bridge = fake_bridge(lambda op, payload: "AUTH_OK" if op == Op.AUTH else "VALUE", close_after=2)
    with TitanClient("127.0.0.1", bridge.port, bridge_token="t", reuse_connection=True) as client:
        assert client.store_get("a") == "VALUE"
        assert client.store_get("b") == "VALUE"  # the bridge closed the first socket meanwhile
    assert [(n, op) for n, op, _ in bridge.frames] == [(1, Op.AUTH), (1, Op.KV_GET), (2, Op.AUTH), (2, Op.KV_GET)]


def test_the_token_defaults_to_the_environment(fake_bridge, monkeypatch):
    bridge = token_bridge(fake_bridge)
    monkeypatch.setenv("TITAN_BRIDGE_TOKEN", "s3cret\n")
    TitanClient("127.0.0.1", bridge.port).store_get("k")
    assert bridge.frames[0] == (1, Op.AUTH, "s3cret")


def test_a_refused_token_is_the_error_string_in_compat_mode(fake_bridge):
    bridge = token_bridge(fake_bridge)
    assert TitanClient("127.0.0.1", bridge.port, bridge_token="wrong").store_get("k") == REFUSED
    assert [op for _, op, _ in bridge.frames] == [Op.AUTH]  # the request itself never left


def test_a_refused_token_raises_a_connection_error_in_strict_mode(fake_bridge):
    bridge = token_bridge(fake_bridge)
    client = TitanClient("127.0.0.1", bridge.port, bridge_token="wrong", strict=True)
    with pytest.raises(TitanConnectionError, match="bad bridge token") as err:
        client.store_get("k")
    assert err.value.reply == REFUSED
