"""A crawl that grows its own graph: start → page jobs that spawn deeper page jobs (up to a depth) → one
reduce that reads their results from TitanStore. Against a running cluster (`npm start`):

    PYTHONPATH=sdk/python python3 sdk/python/examples/crawler/run_crawl.py [max depth]
"""
import json
import sys
import uuid
from pathlib import Path

from titan_sdk import TitanClient, TitanJob


def main(max_depth: str = "2") -> dict:
    client = TitanClient(strict=True)
    client.upload_project_folder(Path(__file__).with_name("crawl"))
    crawl = f"crawl{uuid.uuid4().hex[:6]}"
    client.submit_dag(crawl, [TitanJob(f"{crawl}-start", "crawl.zip/start.py", args=[crawl, max_depth], is_archive=True)])
    print("start:", client.wait(f"{crawl}-start", timeout=60))
    print("reduce:", client.wait(f"{crawl}-reduce", timeout=300))
    summary = {"crawl": crawl, **json.loads(client.store_get(f"crawl:{crawl}:summary"))}
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main(*sys.argv[1:2])
