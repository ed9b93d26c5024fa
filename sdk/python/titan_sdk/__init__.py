"""Titan Edge Python SDK: a TITAN_PROTO client compatible with the original Titan SDK.

    from titan_sdk import TitanClient, TitanJob

    client = TitanClient()                       # TITAN_HOST/TITAN_PORT, or 127.0.0.1:9090
    client.submit_dag("etl", [TitanJob("a", "a.py"), TitanJob("b", "b.py", parents=["a"])])
    client.wait("b", timeout=60)                 # -> "COMPLETED"
"""

from .client import FINAL_STATUSES, TitanClient, is_error_reply
from .errors import (
    PipelineError,
    TitanConnectionError,
    TitanError,
    TitanFileNotFound,
    TitanJobFailed,
    TitanProtocolError,
    TitanTimeout,
)
from .job import TitanJob, dag_id, hitl_gate_id
from .protocol import Op

__version__ = "0.1.0"

__all__ = [
    "FINAL_STATUSES",
    "Op",
    "PipelineError",
    "TitanClient",
    "TitanConnectionError",
    "TitanError",
    "TitanFileNotFound",
    "TitanJob",
    "TitanJobFailed",
    "TitanProtocolError",
    "TitanTimeout",
    "dag_id",
    "hitl_gate_id",
    "is_error_reply",
    "__version__",
]
