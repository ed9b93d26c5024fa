"""Entry point inside the project zip: imports a sibling module."""
import sys

from helper import greet

print(greet(" ".join(sys.argv[1:]) or "world"))
