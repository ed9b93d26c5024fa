"""The bridge address and the state dir, found as the `titan` CLI finds them."""

import json

from titan_sdk.config import cluster_file_path, resolve_bridge


def write_cluster(folder, port, host="127.0.0.1"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cluster.json").write_text(json.dumps({"bridge": {"host": host, "port": port}}))


def test_titan_state_picks_the_cluster_file(tmp_path, monkeypatch):
    write_cluster(tmp_path / ".titan", 9101)
    write_cluster(tmp_path / "elsewhere", 9202, host="10.1.1.1")
    assert resolve_bridge() == ("127.0.0.1", 9101)
    monkeypatch.setenv("TITAN_STATE", "elsewhere")  # relative: from the current folder, like the CLI
    assert resolve_bridge() == ("10.1.1.1", 9202)
    monkeypatch.setenv("TITAN_STATE", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path.parent)
    assert resolve_bridge() == ("10.1.1.1", 9202)


def test_state_argument_beats_titan_state_and_env_address_beats_both(tmp_path, monkeypatch):
    write_cluster(tmp_path / "a", 9301)
    write_cluster(tmp_path / "b", 9302)
    monkeypatch.setenv("TITAN_STATE", "a")
    assert resolve_bridge(state="b") == ("127.0.0.1", 9302)
    assert cluster_file_path(state="b") == tmp_path / "b" / "cluster.json"
    monkeypatch.setenv("TITAN_PORT", "7000")
    assert resolve_bridge(state="b") == ("127.0.0.1", 7000)


def test_a_state_dir_without_cluster_file_falls_back_to_the_default(tmp_path, monkeypatch):
    write_cluster(tmp_path / ".titan", 9101)
    monkeypatch.setenv("TITAN_STATE", str(tmp_path / "empty"))
    assert resolve_bridge() == ("127.0.0.1", 9090)
