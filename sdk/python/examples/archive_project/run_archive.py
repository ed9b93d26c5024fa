"""Upload a project folder as app.zip and run app.zip/main.py from it."""
import uuid
from pathlib import Path

from titan_sdk import TitanClient, TitanJob


def main() -> None:
    client = TitanClient(strict=True)
    print(client.upload_project_folder(Path(__file__).with_name("app")))
    job = TitanJob(f"archive-{uuid.uuid4().hex[:8]}", "app.zip/main.py", args="titan", is_archive=True)
    client.submit_job(job)
    print(client.wait(job.id, timeout=120), "-", client.fetch_logs(job.id))


if __name__ == "__main__":
    main()
