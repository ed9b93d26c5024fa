"""Producer: computes a value and publishes it on the data bus (TitanStore)."""
import sys

from titan_sdk import TitanClient

key = sys.argv[1] if len(sys.argv) > 1 else "example:bus"
value = "prêt ✓ " + ",".join(str(i * i) for i in range(5))
TitanClient().store_put(key, value)
print(f"produced {key}={value}")
