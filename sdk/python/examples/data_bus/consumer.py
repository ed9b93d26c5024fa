"""Consumer: reads what the producer published; fails if it is missing."""
import sys

from titan_sdk import TitanClient

key = sys.argv[1] if len(sys.argv) > 1 else "example:bus"
value = TitanClient().store_get(key)
if value == "NULL":  # the reply for a missing key (strict=True gives None)
    sys.exit(f"nothing under {key}")
print(f"consumed {key}={value}")
