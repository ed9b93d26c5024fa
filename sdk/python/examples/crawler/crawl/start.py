"""The crawl's first job: marks the start page to do, spawns its page job and one reduce job.

Runs from the uploaded project crawl.zip (TITAN_JOB_ID set): start.py <crawl id> <max depth>
"""
import sys

from titan_sdk import TitanClient, TitanJob

crawl, max_depth = sys.argv[1], sys.argv[2]
client = TitanClient()
client.store_sadd(f"crawl:{crawl}:seen", "home")
client.store_sadd(f"crawl:{crawl}:todo", "home")
page = TitanJob(f"{crawl}-page-home", "crawl.zip/page.py", args=[crawl, "home", "0", max_depth], is_archive=True)
reduce = TitanJob(f"{crawl}-reduce", "crawl.zip/reduce.py", args=[crawl], parents=[page.id], is_archive=True)
print(client.spawn([page, reduce]))
