"""Source of the diamond: puts a list of numbers on the bus."""
import sys

from titan_sdk import TitanClient

run = sys.argv[1]
TitanClient().store_put(f"{run}:numbers", "1 2 3 4")
print("fetched 1 2 3 4")
