"""A branch of the diamond: left doubles, right squares."""
import sys

from titan_sdk import TitanClient

run, side = sys.argv[1], sys.argv[2]
client = TitanClient()
numbers = [int(n) for n in client.store_get(f"{run}:numbers").split()]
result = [n * 2 for n in numbers] if side == "left" else [n * n for n in numbers]
client.store_put(f"{run}:{side}", " ".join(map(str, result)))
print(f"{side}: {result}")
