"""One page: record what it found, spawn a job for each new page below it (up to the depth), mark it done.

page.py <crawl id> <url> <depth> <max depth>
"""
import sys

from fake_site import links, title
from titan_sdk import TitanClient, TitanJob

crawl, url, depth, max_depth = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = TitanClient()
client.store_put(f"crawl:{crawl}:title:{url}", title(url))
children = []
if depth < max_depth:
    for link in links(url):
        if client.store_sadd(f"crawl:{crawl}:seen", link) == 1:  # 1: nobody took it yet
            client.store_sadd(f"crawl:{crawl}:todo", link)
            job_id = f"{crawl}-page-{link.replace('/', '.')}"
            children.append(TitanJob(job_id, "crawl.zip/page.py", args=[crawl, link, str(depth + 1), str(max_depth)], is_archive=True))
if children:
    print(client.spawn(children))
client.store_sadd(f"crawl:{crawl}:done", url)
print(f"{url}: {len(children)} new page(s)")
