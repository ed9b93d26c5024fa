"""A running job grows its own DAG through the SDK's spawn(), over TITAN_PROTO."""

import pytest

from clusterlib import wait_status, write_script
from titan_sdk import TitanError, TitanHttp, TitanJob

pytestmark = pytest.mark.integration

CHILD = "print('child ran')\n"


def test_a_job_spawns_children_into_its_own_dag(cluster, client, tmp_path, uid):
    child = write_script(tmp_path, "child.py", CHILD)
    root = write_script(tmp_path, "root.py", (
        "from titan_sdk import TitanClient, TitanJob\n"
        f"c = TitanClient()\n"
        f"print(c.spawn([TitanJob('c1-{uid}', {str(child)!r}), TitanJob('c2-{uid}', {str(child)!r}, parents=['c1-{uid}'])]))\n"
    ))
    assert client.submit_dag(f"grow-{uid}", [TitanJob(f"root-{uid}", root)]) == "DAG_ACCEPTED"
    for job in (f"root-{uid}", f"c1-{uid}", f"c2-{uid}"):
        wait_status(client, job, {"COMPLETED"}, timeout=60)
    assert "DAG_ACCEPTED" in client.fetch_logs(f"root-{uid}")
    assert "child ran" in client.fetch_logs(f"c2-{uid}")
    # They joined the root's DAG (not a DAG of their own), under the root.
    api = TitanHttp(cluster.url, cluster.client_token)
    dag = api.get_job(f"DAG-root-{uid}")["dag"]
    assert api.get_job(f"DAG-c1-{uid}")["dag"] == dag == api.get_job(f"DAG-c2-{uid}")["dag"]
    assert api.get_job(f"DAG-c1-{uid}")["parents"] == [f"DAG-root-{uid}"]


def test_spawn_outside_a_running_job_is_refused(client, tmp_path, uid, monkeypatch):
    monkeypatch.delenv("TITAN_JOB_ID", raising=False)
    with pytest.raises(TitanError, match="TITAN_JOB_ID"):
        client.spawn([TitanJob(f"x-{uid}", write_script(tmp_path, "c.py", CHILD))])
    with pytest.raises(TitanError, match="not running"):
        client.spawn([TitanJob(f"y-{uid}", write_script(tmp_path, "c.py", CHILD))], job_id=f"nope-{uid}")
