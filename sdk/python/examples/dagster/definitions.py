"""Titan's own Dagster example on Titan Edge: three assets whose steps run on our agents, and a
Pipes asset with an asset check.

    dagster dev -f definitions.py      # with a cluster up (npm start), see README.md
"""
import json
from pathlib import Path

import dagster as dg

from titan_dagster import PipesTitanClient, TitanResource

HERE = Path(__file__).resolve().parent


def _tagged(result, tag: str) -> dict:
    """The JSON a script printed after `TAG ` (its last such line)."""
    line = next(t for t in reversed(result.log_tail) if t.startswith(tag + " "))
    return json.loads(line[len(tag) + 1:])


@dg.asset
def raw_data(context: dg.AssetExecutionContext, titan: TitanResource) -> None:
    """Step 1: general extraction, anywhere."""
    titan.run_task(context, script_path="extract.py", requirement="GENERAL", affinity=False)


@dg.asset(deps=[raw_data])
def trained_model(context: dg.AssetExecutionContext, titan: TitanResource) -> dict:
    """Step 2: the heavy GPU step, on the node that ran raw_data (its data is on that disk)."""
    result = titan.run_task(context, script_path="train.py", requirement="GPU", affinity=True)
    return _tagged(result, "MODEL")


@dg.asset
def evaluation_metrics(context: dg.AssetExecutionContext, titan: TitanResource, trained_model: dict) -> dict:
    """Step 3: a light step, anywhere; the model travels through Dagster, not through a disk."""
    result = titan.run_task(context, script_path="eval.py", requirement="GENERAL", env={"MODEL_JSON": json.dumps(trained_model)})
    metrics = _tagged(result, "METRICS")
    context.add_output_metadata({"mse": metrics["mse"], "r2": metrics["r2"]})
    return metrics


@dg.asset(check_specs=[dg.AssetCheckSpec("scores_in_range", asset="model_report")])
def model_report(context: dg.AssetExecutionContext, titan_pipes: PipesTitanClient, trained_model: dict):
    """A Pipes asset: the remote script reports metadata and the check itself."""
    return titan_pipes.run(
        context=context, script_path="score_pipes.py", extras={"model": trained_model, "rows": 1000},
    ).get_materialize_result()


titan = TitanResource(base_dir=str(HERE))
defs = dg.Definitions(
    assets=[raw_data, trained_model, evaluation_metrics, model_report],
    resources={"titan": titan, "titan_pipes": PipesTitanClient(titan)},
)
