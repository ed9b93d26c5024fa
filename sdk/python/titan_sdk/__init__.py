"""Titan Edge Python SDK: a TITAN_PROTO client compatible with the original Titan SDK.

    from titan_sdk import TitanClient, TitanJob

    client = TitanClient()                       # TITAN_HOST/TITAN_PORT, or 127.0.0.1:9090
    client.submit_dag("etl", [TitanJob("a", "a.py"), TitanJob("b", "b.py", parents=["a"])])
    client.wait("b", timeout=60)                 # -> "COMPLETED"

    api = TitanHttp()                            # the HTTP API: schedules, approvals (http_api.py)
    api.schedule("nightly", "0 3 * * *", [TitanJob("etl", "etl.py")])
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
from .http_api import TitanApiError, TitanHttp
from .job import TitanJob, dag_id, hitl_gate_id
from .protocol import Op

__version__ = "0.1.0"

__all__ = [
    "FINAL_STATUSES",
    "Op",
    "PipelineError",
    "TitanClient",
    "TitanApiError",
    "TitanConnectionError",
    "TitanError",
    "TitanFileNotFound",
    "TitanHttp",
    "TitanJob",
    "TitanJobFailed",
    "TitanProtocolError",
    "TitanTimeout",
    "dag_id",
    "hitl_gate_id",
    "is_error_reply",
    "__version__",
]
