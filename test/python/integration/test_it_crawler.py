"""The crawler example end to end: a graph that grows itself (spawn) and a reduce over TitanStore."""

import importlib.util
import sys
from pathlib import Path

import pytest

from titan_sdk import TitanHttp

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[3] / "sdk" / "python" / "examples" / "crawler" / "run_crawl.py"


def test_crawler_grows_its_graph_and_reduces(cluster, monkeypatch):
    monkeypatch.setenv("TITAN_HOST", cluster.bridge_host)
    monkeypatch.setenv("TITAN_PORT", str(cluster.bridge_port))
    spec = importlib.util.spec_from_file_location("run_crawl", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    summary = module.main("2")
    # home, its 2 children and their 4: the link back to home is not followed twice.
    assert summary["pages"] == 7
    assert summary["titles"]["home/1/0"] == "Page home/1/0"
    # The pages were spawned into the start job's DAG, which holds the whole grown graph.
    api = TitanHttp(cluster.url, cluster.client_token)
    crawl = summary["crawl"]
    dag = api.get_job(f"DAG-{crawl}-start")["dag"]
    deepest = api.get_job(f"DAG-{crawl}-page-home.1.0")
    assert deepest["dag"] == dag
    assert deepest["parents"] == [f"DAG-{crawl}-page-home.1"]
    assert len(api.request("GET", f"/v1/dags/{dag}")["jobs"]) == 1 + 7 + 1
