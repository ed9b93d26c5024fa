"""model_report (Dagster Pipes): runs on an agent, reports its materialization metadata, an asset
check and log messages back through Pipes."""
import random

from dagster_pipes import open_dagster_pipes

with open_dagster_pipes() as pipes:
    model = pipes.get_extra("model")
    rows = int(pipes.get_extra("rows"))
    pipes.log.info(f"scoring {rows} rows with a={model['a']} b={model['b']} (partition: {pipes.partition_key if pipes.is_partition_step else 'none'})")
    rng = random.Random(5)
    scores = [model["a"] * rng.uniform(0, 10) + model["b"] for _ in range(rows)]
    print(f"scored {len(scores)} rows")  # an ordinary line: it reaches the Dagster log too
    pipes.report_asset_materialization(metadata={"rows": len(scores), "mean_score": round(sum(scores) / len(scores), 3)})
    pipes.report_asset_check(
        check_name="scores_in_range",
        passed=all(-10 <= s <= 60 for s in scores),
        metadata={"min": round(min(scores), 3), "max": round(max(scores), 3)},
    )
