"""raw_data: make a synthetic dataset and keep it on this node's disk for the training step
(which runs beside this job: affinity)."""
import os
import random
import tempfile
import time
from pathlib import Path

run = os.environ.get("TITAN_DAGSTER_RUN_ID", "local")
rows = int(os.environ.get("EXAMPLE_ROWS", "2000"))
out = Path(tempfile.gettempdir()) / "titan-dagster-example" / run
out.mkdir(parents=True, exist_ok=True)

rng = random.Random(7)
with open(out / "raw.csv", "w") as f:
    f.write("x,y\n")
    for i in range(rows):
        x = rng.uniform(0, 10)
        f.write(f"{x:.4f},{3.0 * x + 2.0 + rng.gauss(0, 1):.4f}\n")
        if (i + 1) % (rows // 4) == 0:
            print(f"extracted {i + 1}/{rows} rows", flush=True)
            time.sleep(float(os.environ.get("EXAMPLE_STEP_DELAY", "0.2")))
print(f"raw data at {out / 'raw.csv'} on {os.uname().nodename}")
