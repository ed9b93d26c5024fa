"""Submit a job that needs a GPU agent. With only GENERAL agents it stays PENDING;
start one with `titan agent --url URL --token TOKEN --capabilities GPU` and it runs."""
import uuid
from pathlib import Path

from titan_sdk import TitanClient, TitanJob


def main() -> None:
    job = TitanJob(f"gpu-{uuid.uuid4().hex[:8]}", Path(__file__).with_name("gpu_task.py"),
                   requirement="GPU", priority=5)
    client = TitanClient(strict=True)
    print(client.submit_job(job))
    print("status:", client.get_job_status(job.id))
    for line in client.stream_logs(job.id):
        print(line)
    print("final:", client.get_job_status(job.id))


if __name__ == "__main__":
    main()
