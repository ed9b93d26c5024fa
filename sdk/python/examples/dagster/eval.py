"""evaluation_metrics: score the model (MODEL_JSON) on fresh data. Prints one `METRICS {...}` line."""
import json
import os
import random

model = json.loads(os.environ["MODEL_JSON"])
rng = random.Random(11)
errors, total = [], []
for _ in range(500):
    x = rng.uniform(0, 10)
    y = 3.0 * x + 2.0 + rng.gauss(0, 1)
    errors.append((model["a"] * x + model["b"] - y) ** 2)
    total.append(y)
mean = sum(total) / len(total)
mse = sum(errors) / len(errors)
r2 = 1 - sum(errors) / sum((y - mean) ** 2 for y in total)
print(f"evaluated on {len(errors)} fresh rows")
print("METRICS " + json.dumps({"mse": round(mse, 4), "r2": round(r2, 4)}))
