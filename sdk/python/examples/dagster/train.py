"""trained_model: fit y = a*x + b on the rows extract.py left on this node (GPU step; the maths
is plain Python so the example runs anywhere). Prints the model as one `MODEL {...}` line."""
import json
import os
import sys
import tempfile
import time
from pathlib import Path

run = os.environ.get("TITAN_DAGSTER_RUN_ID", "local")
raw = Path(tempfile.gettempdir()) / "titan-dagster-example" / run / "raw.csv"
if not raw.exists():
    sys.exit(f"no raw data at {raw}: this step must run on the node that ran extract.py (affinity)")

xs, ys = [], []
for line in raw.read_text().splitlines()[1:]:
    x, y = line.split(",")
    xs.append(float(x))
    ys.append(float(y))

print(f"training on {len(xs)} rows, GPUs: {os.environ.get('CUDA_VISIBLE_DEVICES', 'none pinned')}", flush=True)
a, b, lr = 0.0, 0.0, 0.01
epochs = int(os.environ.get("EXAMPLE_EPOCHS", "5"))
for epoch in range(1, epochs + 1):
    for _ in range(200):  # gradient descent on the mean squared error
        ga = sum((a * x + b - y) * x for x, y in zip(xs, ys)) * 2 / len(xs)
        gb = sum(a * x + b - y for x, y in zip(xs, ys)) * 2 / len(xs)
        a, b = a - lr * ga, b - lr * gb
    loss = sum((a * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
    print(f"epoch {epoch}/{epochs} loss={loss:.4f}", flush=True)
    time.sleep(float(os.environ.get("EXAMPLE_STEP_DELAY", "0.2")))
print("MODEL " + json.dumps({"a": round(a, 4), "b": round(b, 4)}))
