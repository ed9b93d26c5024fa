"""``titan-py`` (or ``python -m titan_sdk``): a small command line over TitanClient.

The bridge address comes from --host/--port, else TITAN_HOST/TITAN_PORT,
else the ``cluster.json`` that ``titan up`` wrote in its state dir (--state,
else TITAN_STATE, else ``.titan`` in the current folder).
Errors, an unknown job id included, print one line to stderr and exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .client import FAILED_STATUSES, TitanClient
from .config import resolve_bridge
from .errors import TitanError

UNKNOWN_STATUS = "NULL"  # the original's reply for an id it does not know


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="titan-py", description="Titan Edge client (also: python -m titan_sdk)")
    parser.add_argument("--host", help="bridge host (default: TITAN_HOST, cluster.json, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="bridge port (default: TITAN_PORT, cluster.json, 9090)")
    parser.add_argument("--state", metavar="DIR", help="read DIR/cluster.json (default: TITAN_STATE, else .titan)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("status", help="print a job's status").add_argument("job_id")
    logs = sub.add_parser("logs", help="print a job's logs")
    logs.add_argument("job_id")
    logs.add_argument("-f", "--follow", action="store_true", help="follow until the job ends")
    sub.add_parser("cancel", help="cancel a job").add_argument("job_id")
    sub.add_parser("approve", help="approve a human-approval gate").add_argument("gate_id")
    sub.add_parser("reject", help="reject a human-approval gate").add_argument("gate_id")

    submit = sub.add_parser("submit", help="submit a YAML/JSON pipeline")
    submit.add_argument("file")
    submit.add_argument("--wait", action="store_true", help="wait for every job to end")
    submit.add_argument("--timeout", type=float, default=300, help="seconds to wait (default 300)")

    store = sub.add_parser("store", help="TitanStore: get|put|sadd|smembers KEY [VALUE]")
    store.add_argument("action", choices=["get", "put", "sadd", "smembers"])
    store.add_argument("key")
    store.add_argument("value", nargs="?")

    sub.add_parser("upload", help="upload a file as an asset").add_argument("file")
    stats = sub.add_parser("stats", help="cluster summary")
    stats.add_argument("--json", action="store_true", help="print STATS_JSON")
    return parser


def run(args: argparse.Namespace, out=None) -> int:
    """Execute one parsed command; returns the exit status."""
    out = out or sys.stdout
    host, port = resolve_bridge(args.host, args.port, state=args.state)
    client = TitanClient(host, port, strict=True)
    cmd = args.command
    if cmd == "status":
        status = client.get_job_status(args.job_id)
        if status == UNKNOWN_STATUS:
            # The library keeps the original's reply; a shell script needs the exit status.
            raise TitanError(f"no job {args.job_id!r} (status {UNKNOWN_STATUS})")
        print(status, file=out)
    elif cmd == "logs":
        if args.follow:
            for line in client.stream_logs(args.job_id):
                print(line, file=out, flush=True)
        else:
            text = client.fetch_logs(args.job_id)
            if text:
                print(text, file=out)
    elif cmd == "cancel":
        print(client.cancel(args.job_id), file=out)
    elif cmd in ("approve", "reject"):
        print(getattr(client, cmd)(args.gate_id), file=out)
    elif cmd == "submit":
        if not args.wait:
            print(client.submit_yaml(args.file), file=out)
            return 0
        result = client.submit_yaml_and_wait(args.file, timeout=args.timeout)
        for job_id, status in result.items():
            print(f"{job_id}\t{status}", file=out)
        return 1 if any(s in FAILED_STATUSES for s in result.values()) else 0
    elif cmd == "store":
        return _store(client, args, out)
    elif cmd == "upload":
        print(client.upload_file(args.file), file=out)
    elif cmd == "stats":
        print(json.dumps(client.stats_json(), indent=2) if args.json else client.stats(), file=out)
    return 0


def _store(client: TitanClient, args: argparse.Namespace, out) -> int:
    needs_value = args.action in ("put", "sadd")
    if needs_value and args.value is None:
        raise TitanError(f"store {args.action} needs KEY and VALUE")
    if not needs_value and args.value is not None:
        raise TitanError(f"store {args.action} takes only KEY")
    if args.action == "get":
        value = client.store_get(args.key)  # strict client: None when absent
        if value is None:
            print(f"error: key {args.key!r} not found", file=sys.stderr)
            return 1
        print(value, file=out)
    elif args.action == "put":
        print(client.store_put(args.key, args.value), file=out)
    elif args.action == "sadd":
        print(client.store_sadd(args.key, args.value), file=out)
    else:
        for member in client.store_smembers(args.key):
            print(member, file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (TitanError, OSError, ValueError) as exc:
        message = " ".join(str(exc).split())  # keep it to one line
        print(f"error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
