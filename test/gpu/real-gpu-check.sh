#!/usr/bin/env bash
# The real-GPU check of issue 20, for a machine with an NVIDIA GPU and this checkout installed
# (npm install). CI has no GPU: there the stand-in nvidia-smi tests (test/agent/gpu-detect.test.ts)
# cover the same paths. Usage: bash test/gpu/real-gpu-check.sh [OUT_DIR]
# It starts a local control plane (workerd) without agents, then one real agent, and shows:
#   1. the agent detects the GPU (model and memory) and the cluster lists it;
#   2. a job asking for `gpus: 1` sees one device in CUDA_VISIBLE_DEVICES and runs nvidia-smi (and torch, if present);
#   3. a job asking for more GPU memory than the card has is refused at submit.
set -u
cd "$(dirname "$0")/../.."
OUT="${1:-/tmp/titan-gpu-check}"
mkdir -p "$OUT"
STATE="$(mktemp -d)"
export TITAN_STATE="$STATE"
titan() { node bin/titan.mjs "$@"; }
step() { echo; echo "=== $*"; }
fail=0
check() { if eval "$2"; then echo "PASS: $1"; else echo "FAIL: $1"; fail=1; fi; }

step "nvidia-smi on this machine"
nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.free --format=csv,noheader,nounits | tee "$OUT/smi.txt"

step "control plane (no local agent)"
node bin/titan.mjs up --state "$STATE" --agents 0 --http-port 18787 --bridge-port 19090 --no-manifest >"$OUT/up.log" 2>&1 &
UP=$!
trap 'kill -TERM $UP ${AGENT:-} 2>/dev/null' EXIT
for _ in $(seq 1 240); do [ -f "$STATE/cluster.json" ] || ! kill -0 $UP 2>/dev/null && break; sleep 0.5; done
cat "$OUT/up.log"
[ -f "$STATE/cluster.json" ] || { echo "FAIL: the control plane did not start"; exit 1; }

step "agent"
node bin/titan.mjs agent --slots 2 --name gpu-check --workdir "$STATE/agent" >"$OUT/agent.log" 2>&1 &
AGENT=$!
for _ in $(seq 1 240); do grep -q "ready" "$OUT/agent.log" || ! kill -0 $AGENT 2>/dev/null && break; sleep 0.5; done
cat "$OUT/agent.log"
check "agent detected the GPU with model and memory" "grep -Eq 'detected: GENERAL,GPU[A-Z_,]* \([0-9]+× .+, [0-9]+ MiB\)' '$OUT/agent.log'"
titan workers | tee "$OUT/workers.txt"
titan workers --json >"$OUT/workers.json"
check "titan workers lists each GPU" "grep -Eq 'GPU 0 .+ MiB' '$OUT/workers.txt'"

step "a job asking for gpus: 1"
mkdir -p "$STATE/p"
cat >"$STATE/p/gpu_job.py" <<'PY'
import os, subprocess
print("CUDA_VISIBLE_DEVICES=" + os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>"))
print("TITAN_GPUS=" + os.environ.get("TITAN_GPUS", "<unset>") + " TITAN_GPU_UUIDS=" + os.environ.get("TITAN_GPU_UUIDS", "<unset>"))
print(subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout.strip())
try:
    import torch
    print("torch sees %d device(s): %s" % (torch.cuda.device_count(), torch.cuda.get_device_name(0)))
    x = torch.ones(1024, 1024, device="cuda")
    print("matmul on the GPU: %.0f" % float((x @ x).sum()))
except ImportError:
    print("torch not installed")
PY
cat >"$STATE/p/gpu.yaml" <<'YAML'
name: gpu-check
jobs:
  - id: one-gpu
    file: gpu_job.py
    gpus: 1
YAML
titan submit "$STATE/p/gpu.yaml" --wait 2>&1 | tee "$OUT/submit.txt"
titan logs one-gpu | tee "$OUT/job.log"
titan status one-gpu | tee "$OUT/status.txt"
check "the job saw exactly one device in CUDA_VISIBLE_DEVICES" "grep -Eq '^CUDA_VISIBLE_DEVICES=[0-9]+$' '$OUT/job.log'"
check "nvidia-smi ran inside the job" "grep -q '^GPU [0-9]*: ' '$OUT/job.log'"

step "a job asking for more GPU memory than the card has"
cat >"$STATE/p/too_big.yaml" <<'YAML'
name: too-big
jobs:
  - id: too-big
    file: gpu_job.py
    gpus: 1
    gpu_memory_mb: 1000000
YAML
titan submit "$STATE/p/too_big.yaml" >"$OUT/too_big.txt" 2>&1
echo "exit $?" >>"$OUT/too_big.txt"
cat "$OUT/too_big.txt"
check "refused at submit with the reason" "grep -q 'no agent can ever run this job' '$OUT/too_big.txt'"
titan status too-big >>"$OUT/too_big.txt" 2>&1
check "nothing was stored for it" "grep -q 'no job' '$OUT/too_big.txt'"

kill -TERM "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null
kill -TERM "$UP" 2>/dev/null; wait "$UP" 2>/dev/null
echo
[ "$fail" = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit "$fail"
