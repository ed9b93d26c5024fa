"""One step of the example DAG: records when it ran in TitanStore, then prints."""
import sys
import time

from titan_sdk import TitanClient

name, run = sys.argv[1], sys.argv[2]
client = TitanClient()
client.store_put(f"{run}:{name}:start", time.time())
time.sleep(0.5)  # long enough that an ordering mistake would show
client.store_sadd(f"{run}:done", name)
client.store_put(f"{run}:{name}:end", time.time())
print(f"step {name} done")
