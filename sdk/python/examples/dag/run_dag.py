"""DAG A -> (B, C) -> D. B and C may run in parallel; D starts after both."""
import uuid
from pathlib import Path

from titan_sdk import TitanClient, TitanJob

STEP = Path(__file__).with_name("step.py")


def main() -> None:
    run = uuid.uuid4().hex[:8]
    ids = {n: f"{n}-{run}" for n in "ABCD"}
    jobs = [
        TitanJob(ids["A"], STEP, args=["A", run]),
        TitanJob(ids["B"], STEP, args=["B", run], parents=[ids["A"]]),
        TitanJob(ids["C"], STEP, args=["C", run], parents=[ids["A"]]),
        TitanJob(ids["D"], STEP, args=["D", run], parents=[ids["B"], ids["C"]]),
    ]
    client = TitanClient(strict=True)
    print(client.submit_dag(f"example-dag-{run}", jobs))
    print(client.wait_dag(ids.values(), timeout=120))
    print("completed steps:", sorted(client.store_smembers(f"{run}:done")))


if __name__ == "__main__":
    main()
