"""Producer -> consumer through TitanStore: the consumer depends on the producer."""
import uuid
from pathlib import Path

from titan_sdk import TitanClient, TitanJob

HERE = Path(__file__).parent


def main() -> None:
    run = uuid.uuid4().hex[:8]
    key = f"example:bus:{run}"
    producer = TitanJob(f"producer-{run}", HERE / "producer.py", args=[key])
    consumer = TitanJob(f"consumer-{run}", HERE / "consumer.py", args=[key], parents=[producer.id])
    client = TitanClient(strict=True)
    client.submit_dag(f"data-bus-{run}", [producer, consumer])
    print(client.wait_dag([producer, consumer], timeout=120, raise_on_failure=True))
    print(client.fetch_logs(consumer.id))


if __name__ == "__main__":
    main()
