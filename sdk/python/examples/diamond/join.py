"""Sink of the diamond: combines both branches."""
import sys

from titan_sdk import TitanClient

run = sys.argv[1]
client = TitanClient()
left = [int(n) for n in client.store_get(f"{run}:left").split()]
right = [int(n) for n in client.store_get(f"{run}:right").split()]
total = sum(left) + sum(right)
client.store_put(f"{run}:total", total)
print(f"join total={total}")
