"""Dagster on Titan Edge (the ``[dagster]`` extra): assets whose heavy steps run as Titan jobs.

    import dagster as dg
    from titan_dagster import TitanResource, PipesTitanClient

    @dg.asset
    def trained_model(context: dg.AssetExecutionContext, titan: TitanResource, raw_data):
        titan.run_task(context, "train.py", requirement="GPU", affinity=True)

``TitanResource.run_task`` streams the remote log into the event log while the job runs, attaches
the job's metadata, raises ``dg.Failure`` with the exit code and log tail, and cancels the job when
the Dagster run is terminated. ``PipesTitanClient`` is a Dagster Pipes client for scripts that use
``dagster_pipes.open_dagster_pipes()``.
"""

from .naming import JOB_ID_KEY, job_id_for
from .pipes import PipesTitanClient, PipesTitanLogMessageReader
from .resource import TitanResource, TitanRunResult

__all__ = ["JOB_ID_KEY", "PipesTitanClient", "PipesTitanLogMessageReader", "TitanResource", "TitanRunResult", "job_id_for"]
