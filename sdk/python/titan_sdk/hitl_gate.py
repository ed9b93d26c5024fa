"""Human-approval gate job: ``python hitl_gate.py <gate id> <max wait seconds> <message…>``.

``TitanClient.submit_dag`` ships this file as the script of the gate job it puts
after a job with ``hitl_message``. It prints the message, then polls the KV key
``titan:hitl:status:<gate id>`` (via TITAN_HOST/TITAN_PORT) every 2 s:
``APPROVED`` exits 0, ``REJECTED`` exits 1, and so does running out of time.
Approve with ``TitanClient().approve(gate_id)`` or ``store_put(key, "APPROVED")``.

It runs on an agent as a plain script: standard library and ``titan_sdk`` only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

from titan_sdk import TitanClient, TitanConnectionError
from titan_sdk.job import hitl_status_key

POLL_SECONDS = 2.0


def main(
    argv: Sequence[str] | None = None,
    client: TitanClient | None = None,
    poll: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: hitl_gate.py <gate id> <max wait seconds> [message]", file=sys.stderr)
        return 2
    gate_id, max_wait, message = args[0], float(args[1]), " ".join(args[2:])
    key = hitl_status_key(gate_id)
    client = client or TitanClient()
    print(f"[HITL] {gate_id}: {message or 'approval required'}", flush=True)
    print(f"[HITL] waiting up to {max_wait:g} s for APPROVED/REJECTED on {key}", flush=True)
    deadline = clock() + max_wait
    while True:
        try:
            value = (client.store_get(key) or "").strip().upper()
        except TitanConnectionError as exc:  # a bridge restart must not fail the gate
            print(f"[HITL] bridge not reachable, retrying: {exc}", flush=True)
            value = ""
        if value == "APPROVED":
            print(f"[HITL] {gate_id} approved", flush=True)
            return 0
        if value == "REJECTED":
            print(f"[HITL] {gate_id} rejected", flush=True)
            return 1
        if clock() >= deadline:
            print(f"[HITL] {gate_id}: no decision after {max_wait:g} s, giving up", flush=True)
            return 1
        sleep(poll)


if __name__ == "__main__":
    sys.exit(main())
