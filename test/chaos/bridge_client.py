#!/usr/bin/env python3
"""A program written for the original SDK (stdlib + titan_sdk, bridge from TITAN_HOST/TITAN_PORT),
with its own retry loop, for the bridge-restart chaos case.

    python3 bridge_client.py WORKDIR MARKS_DIR TAG JOBS

Submits a DAG (a root, then JOBS-2 parallel children, then a sink), then loops: one KV_SET of a
new key per round, and a status poll of every job, until every job is final and the test has
written WORKDIR/stop. Connection errors (the bridge being killed) are counted and retried.
Prints "progress ..." lines, then one JSON line: acknowledged writes and their read-back.
"""

from __future__ import annotations

import json
import os
import sys
import time

from titan_sdk import TitanClient, TitanJob

BODY = """import os, sys, time
mark = os.path.join(sys.argv[1], os.environ["TITAN_JOB_ID"])
open(mark + ".started", "a").write("1\\n")
time.sleep(1.5)
open(mark + ".done", "a").write("1\\n")
"""


def main(workdir: str, marks: str, tag: str, n: int) -> int:
    client = TitanClient(sync_manifest=False, timeout=5.0)
    errors: list[str] = []

    def retry(what, *args):
        """The client's own retry loop: a dropped bridge is retried until the deadline."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return what(*args)
            except (ConnectionError, OSError) as exc:  # TitanConnectionError is a ConnectionError
                errors.append(f"{type(exc).__name__}: {exc}"[:160])
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    script = os.path.join(workdir, "body.py")
    with open(script, "w") as f:
        f.write(BODY)
    root, sink = f"{tag}root", f"{tag}sink"
    mids = [f"{tag}m{i}" for i in range(n - 2)]
    jobs = [TitanJob(root, script, args=[marks])]
    jobs += [TitanJob(m, script, args=[marks], parents=[root]) for m in mids]
    jobs.append(TitanJob(sink, script, args=[marks], parents=mids))
    ids = [j.id for j in jobs]

    reply = retry(client.submit_dag, f"chaos-{tag}", jobs)
    # A submission whose reply was lost may already be in: "still active" then means accepted.
    if reply != "DAG_ACCEPTED" and "is still active" not in reply:
        print(json.dumps({"error": f"submit: {reply}"}), flush=True)
        return 1

    acked: dict[str, str] = {}
    unacked = 0
    statuses = {j: "" for j in ids}
    rounds = 0
    while True:
        rounds += 1
        key, value = f"chaos:{tag}:k{rounds}", f"v{rounds}-{tag}"
        try:
            if client.store_put(key, value) == "OK":
                acked[key] = value
            else:
                unacked += 1
        except (ConnectionError, OSError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:160])
            unacked += 1  # the reply was lost: not acknowledged, not counted
            time.sleep(0.05)
        for j in ids:
            try:
                statuses[j] = client.get_job_status(j)
            except (ConnectionError, OSError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:160])
                break
        final = all(s in ("COMPLETED", "FAILED", "CANCELLED") for s in statuses.values())
        running = sum(s == "RUNNING" for s in statuses.values())
        print(f"progress acked={len(acked)} errors={len(errors)} running={running} final={int(final)}", flush=True)
        if final and os.path.exists(os.path.join(workdir, "stop")):
            break
        time.sleep(0.05)

    mismatched = {}
    for key, value in acked.items():
        got = retry(client.store_get, key)
        if got != value:
            mismatched[key] = got
    print(json.dumps({
        "ids": ids, "statuses": statuses, "acked": len(acked), "unacked": unacked,
        "mismatched": mismatched, "errors": len(errors), "sampleErrors": errors[:3], "rounds": rounds,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
