"""Runs only on an agent with the GPU capability; reports what it sees."""
import shutil
import subprocess

print("running on a GPU-capable agent")
if shutil.which("nvidia-smi"):
    out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=False)
    print(out.stdout.strip() or out.stderr.strip())
else:
    print("nvidia-smi not found (agent was tagged GPU by flag)")
