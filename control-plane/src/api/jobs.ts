import type { JobSpec, StoredJob } from '../contract/jobs';
import { validateDag } from '../core/dag';
import { randomId } from '../lib/ids';
import { apiError, relay, route, type App, type Ctx } from './http';
import { artifactKey, decodeBase64, putBlob, scriptKey } from './blobs';
import { cluster } from './stubs';

/**
 * Turn validated specs into what the scheduler stores: ids assigned, inline payloads put in R2
 * by hash, referenced scripts and archives checked to exist. Returns an error response or inputs.
 */
async function prepare(c: Ctx, specs: JobSpec[]): Promise<Response | StoredJob[]> {
  const withIds = specs.map((s) => ({ ...s, id: s.id ?? `job-${randomId(10)}` }));
  // Structure first (duplicates, cycles), so a bad DAG writes nothing anywhere.
  const shape = validateDag(withIds, () => ({ active: false }));
  if (!shape.ok) return apiError(c, 400, 'invalid_dag', shape.message);
  const out: StoredJob[] = [];
  for (const s of withIds) {
    if (s.script && !(await c.env.ARTIFACTS.head(scriptKey(s.script)))) return apiError(c, 404, 'not_found', `script ${s.script} not found (deploy it first)`);
    if (s.archive && !(await c.env.ARTIFACTS.head(artifactKey(s.archive)))) return apiError(c, 404, 'not_found', `archive ${s.archive} not found (upload it first)`);
  }
  for (const s of withIds) {
    const { payloadB64, ...rest } = s;
    let payloadHash = rest.payloadHash ?? null;
    if (payloadB64 !== undefined) {
      let bytes: Uint8Array;
      try {
        bytes = decodeBase64(payloadB64);
      } catch {
        return apiError(c, 400, 'bad_request', `job ${s.id}: payloadB64 is not valid base64`);
      }
      payloadHash = await putBlob(c.env.ARTIFACTS, bytes);
    }
    out.push({ ...rest, payloadHash, script: rest.script ?? null, archive: rest.archive ?? null });
  }
  return out;
}

export function mountJobs(app: App): void {
  route(app, 'submitJob', async (c, spec) => {
    const prepared = await prepare(c, [spec]);
    if (prepared instanceof Response) return prepared;
    return relay(c, wrapJob(await cluster(c.env).submitOne(prepared[0])), 201);
  });

  route(app, 'submitDag', async (c, req) => {
    const prepared = await prepare(c, req.jobs);
    if (prepared instanceof Response) return prepared;
    return relay(c, await cluster(c.env).submit(prepared, req.name ?? null, true), 201);
  });

  route(app, 'listJobs', async (c, _, q) => c.json({ jobs: await cluster(c.env).listJobs(q) }));
  route(app, 'getJob', async (c) => relay(c, wrapJob(await cluster(c.env).getJob(c.req.param('id')!, true))));
  route(app, 'cancelJob', async (c) => relay(c, wrapJob(await cluster(c.env).cancel(c.req.param('id')!))));
  route(app, 'retryJob', async (c) => relay(c, wrapJob(await cluster(c.env).retry(c.req.param('id')!))));
  route(app, 'stopService', async (c) => relay(c, wrapJob(await cluster(c.env).stop(c.req.param('id')!))));

  route(app, 'listDags', async (c, _, q) => c.json(await cluster(c.env).listDags(q.limit)));
  route(app, 'getDag', async (c) => relay(c, await cluster(c.env).getDag(c.req.param('id')!)));
  route(app, 'nameDag', async (c, req) => relay(c, await cluster(c.env).nameDag(c.req.param('id')!, req.name, req.onlyIfUnnamed)));
}

function wrapJob<T, E>(r: { ok: true; value: T } | { ok: false; error: E }) {
  return r.ok ? { ok: true as const, value: { job: r.value } } : r;
}
