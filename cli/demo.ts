import type { SubmitDagRequestInput } from '../control-plane/src/contract/jobs';

const py = (src: string) => Buffer.from(src.trim() + '\n', 'utf8').toString('base64');

/**
 * The example pipeline `titan up --demo` runs: a diamond whose middle steps talk over the
 * TitanStore data bus through the agent's embedded bridge, using our Python SDK.
 */
export function demoPipeline(runId: string): SubmitDagRequestInput {
  const key = `demo:${runId}`;
  const job = (id: string, src: string, parents: string[] = []) => ({ id: `demo-${id}-${runId}`, file: `${id}.py`, payloadB64: py(src), parents });
  return {
    name: 'demo-diamond',
    jobs: [
      job('extract', `
import time
from titan_sdk import TitanClient
rows = list(range(1, 101))
TitanClient().store_put("${key}:rows", ",".join(map(str, rows)))
print(f"extracted {len(rows)} rows")
`),
      job('train', `
from titan_sdk import TitanClient
c = TitanClient()
rows = [int(x) for x in c.store_get("${key}:rows").split(",")]
model = sum(rows) / len(rows)
c.store_put("${key}:model", str(model))
c.store_sadd("${key}:steps", "train")
print(f"trained: mean={model}")
`, [`demo-extract-${runId}`]),
      job('evaluate', `
from titan_sdk import TitanClient
c = TitanClient()
rows = [int(x) for x in c.store_get("${key}:rows").split(",")]
c.store_put("${key}:max", str(max(rows)))
c.store_sadd("${key}:steps", "evaluate")
print(f"evaluated: max={max(rows)}")
`, [`demo-extract-${runId}`]),
      job('report', `
from titan_sdk import TitanClient
c = TitanClient()
steps = sorted(c.store_smembers("${key}:steps"))
print(f"report: mean={c.store_get('${key}:model')} max={c.store_get('${key}:max')} steps={steps}")
assert steps == ["evaluate", "train"], steps
`, [`demo-train-${runId}`, `demo-evaluate-${runId}`]),
    ],
  };
}
