import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dagId, JobSpec } from '../../control-plane/src/contract/index';
import { loadPipelineFile, pipelineToDag, PipelineError } from '../../sdk/ts/pipeline';
import { parseJobString } from '../../tcp-bridge/src/jobString';

/**
 * "The same DAG" across the two SDKs: for every valid fixture, the Python SDK's TITAN_PROTO
 * job strings, read by the bridge's grammar, must give the jobs `titan submit` posts to the
 * HTTP API (ids and parents compared in their stored `DAG-` form, resource asks included),
 * unless one side refuses what its transport cannot carry.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'pipelines');
const valid = readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).map((f) => f.replace('.expected.json', ''));
const RESOURCE_FIELDS = ['gpus', 'gpuMemoryMb', 'memoryMb', 'cpus'] as const;
const asksResources = (j: JobSpec) => RESOURCE_FIELDS.some((k) => j[k] !== 0);
const pipelineFile = (stem: string) => readdirSync(DIR).find((f) => f.startsWith(`${stem}.`) && !f.endsWith('.expected.json'))!;

const PY = `
import json, sys
from titan_sdk import PipelineError
from titan_sdk.pipeline import load_pipeline
out = {}
for path in sys.argv[1:]:
    try:
        out[path] = [j.to_string() for j in load_pipeline(path).jobs]
    except PipelineError as err:
        out[path] = [i["code"] for i in err.issues]
print(json.dumps(out))
`;

function pythonJobStrings(paths: string[]): Record<string, string[]> {
  const env = { ...process.env, PYTHONPATH: join(ROOT, 'sdk', 'python') };
  return JSON.parse(execFileSync('python3', ['-c', PY, ...paths], { env, encoding: 'utf8' }));
}

describe('TS and Python submit the same DAG for a pipeline file', () => {
  const paths = valid.map((s) => join(DIR, pipelineFile(s)));
  const py = pythonJobStrings(paths);
  const comparedWithResources: string[] = [];

  it.each(paths.map((p) => [p.split('/').pop()!, p]))('%s', (_name, path) => {
    const p = loadPipelineFile(path);
    let http;
    try {
      http = pipelineToDag(p, p.archive ? { archive: p.archive } : { readFile: (f) => readFileSync(resolve(dirname(path), f)) });
    } catch (e) {
      if (!(e instanceof PipelineError)) throw e;
      expect(e.issues.every((i) => i.code === 'unsupported')).toBe(true);
      return; // HTTP cannot carry it yet (an approval gate)
    }
    const strings = py[path]!;
    if (strings.every((s) => s === 'unsupported')) return; // TITAN_PROTO cannot carry it
    const viaBridge = strings.map((s) => JobSpec.parse(parseJobString(s)));
    const viaHttp = http.jobs.map((j) => {
      const spec = JobSpec.parse(j);
      return { ...spec, id: dagId(spec.id!), parents: spec.parents.map(dagId) };
    });
    expect(viaBridge).toEqual(viaHttp);
    if (viaHttp.some(asksResources)) comparedWithResources.push(path);
  });

  it('compares resource asks, on inline and archive jobs', () => {
    // Runs after the cases above (vitest keeps declaration order within a file).
    expect(comparedWithResources.map((p) => p.split('/').pop()).sort()).toEqual(expect.arrayContaining(['resources.yaml', 'resources_project.yaml']));
  });

  it('compares enough cases to mean something', () => {
    const compared = Object.values(py).filter((s) => !s.every((x) => x === 'unsupported'));
    expect(compared.length).toBeGreaterThanOrEqual(10);
  });
});
