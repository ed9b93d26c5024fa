"""The reduce: waits until every page the crawl found is done, then writes the summary to the store.

Pages spawn deeper pages while they run, so the graph grows under the first page; the TitanStore sets
`todo` and `done` say when it has stopped growing. reduce.py <crawl id>
"""
import json
import sys
import time

from titan_sdk import TitanClient

crawl = sys.argv[1]
client = TitanClient()
deadline = time.monotonic() + 300
while set(client.store_smembers(f"crawl:{crawl}:todo")) != set(client.store_smembers(f"crawl:{crawl}:done")):
    if time.monotonic() > deadline:
        sys.exit("pages still not done after 300 s")
    time.sleep(0.2)
pages = sorted(client.store_smembers(f"crawl:{crawl}:done"))
summary = {"pages": len(pages), "titles": {p: client.store_get(f"crawl:{crawl}:title:{p}") for p in pages}}
client.store_put(f"crawl:{crawl}:summary", json.dumps(summary))
print(f"crawled {len(pages)} pages")
