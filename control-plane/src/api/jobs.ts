import { ROUTES } from '../contract/routes';
import type { JobSpec, StoredJob } from '../contract/jobs';
import { randomId } from '../lib/ids';
import type { Env } from '../env';
import { fail, ok, type Result } from '../lib/result';
import { relay, route, type App, type Ctx } from './http';
import { artifactKey, decodeBase64, isKnownBlob, putBlob, scriptKey, sha256Hex } from './blobs';
import { cluster } from './stubs';

/** Submit's checks of a DAG (no payloads: they are not the checks' business). */
const checkNode = (s: JobSpec & { id: string }) => ({ id: s.id, parents: s.parents, requirement: s.requirement, gpus: s.gpus, gpuMemoryMb: s.gpuMemoryMb, cpus: s.cpus, memoryMb: s.memoryMb });
const checkAll = (env: Env, specs: (JobSpec & { id: string })[]) => cluster(env).checkDag(specs.map(checkNode));

/**
 * Turn validated specs into what the scheduler stores: ids assigned, inline payloads put in R2
 * by hash, referenced scripts and archives checked to exist. The HTTP routes and the MCP tools
 * both submit through this.
 */
export async function prepareJobs(
  env: Env,
  specs: JobSpec[],
  check: (withIds: (JobSpec & { id: string })[]) => Promise<Result<unknown>> = (withIds) => checkAll(env, withIds),
): Promise<Result<StoredJob[]>> {
  const withIds = specs.map((s) => ({ ...s, id: s.id ?? `job-${randomId(10)}` }));
  // Each distinct script, archive and payload is checked (or decoded and hashed) once: a 10,000-job
  // DAG usually names a handful.
  const checked = new Set<string>();
  for (const s of withIds) {
    if (s.script && !checked.has(`s:${s.script}`)) {
      if (!(await env.ARTIFACTS.head(scriptKey(s.script)))) return fail(404, 'not_found', `script ${s.script} not found (deploy it first)`);
      checked.add(`s:${s.script}`);
    }
    if (s.archive && !checked.has(`a:${s.archive}`)) {
      if (!(await env.ARTIFACTS.head(artifactKey(s.archive)))) return fail(404, 'not_found', `archive ${s.archive} not found (upload it first)`);
      checked.add(`a:${s.archive}`);
    }
  }
  // Inline payloads are decoded and hashed first, stored only once the request is known good.
  const byText = new Map<string, { bytes: Uint8Array; hash: string }>();
  const payloads = new Map<string, { bytes: Uint8Array; hash: string }>();
  for (const s of withIds) {
    if (s.payloadB64 === undefined) continue;
    let p = byText.get(s.payloadB64);
    if (!p) {
      let bytes: Uint8Array;
      try {
        bytes = decodeBase64(s.payloadB64);
      } catch {
        return fail(400, 'bad_request', `job ${s.id}: payloadB64 is not valid base64`);
      }
      p = { bytes, hash: await sha256Hex(bytes) };
      byText.set(s.payloadB64, p);
    }
    payloads.set(s.id, p);
  }
  // A payload that would be written for the first time waits for the scheduler's check of the whole
  // DAG (ids, parents, cycles, active conflicts), so a refused request stores nothing; submit checks
  // again atomically. Payloads stored before need no check: nothing new is written for them.
  const fresh = [...new Map([...byText.values()].map((p) => [p.hash, p])).values()].filter((p) => !isKnownBlob(p.hash));
  if (fresh.length) {
    const verdict = await check(withIds);
    if (!verdict.ok) return verdict;
    for (const p of fresh) await putBlob(env.ARTIFACTS, p.bytes, p.hash);
  }
  return ok(
    withIds.map(({ payloadB64: _, ...rest }) => ({
      ...rest,
      payloadHash: payloads.get(rest.id)?.hash ?? rest.payloadHash ?? null,
      script: rest.script ?? null,
      archive: rest.archive ?? null,
    })),
  );
}

/** `prepareJobs` for a route: an error response or the stored inputs. */
export async function prepare(c: Ctx, specs: JobSpec[], check?: Parameters<typeof prepareJobs>[2]): Promise<Response | StoredJob[]> {
  const r = await prepareJobs(c.env, specs, check);
  return r.ok ? r.value : relay(c, r);
}

export function mountJobs(app: App): void {
  route(app, 'submitJob', async (c, spec) => {
    const prepared = await prepare(c, [spec]);
    if (prepared instanceof Response) return prepared;
    return relay(c, wrapJob(await cluster(c.env).submitOne(prepared[0])), ROUTES.submitJob.status);
  });

  route(app, 'submitDag', async (c, req) => {
    const prepared = await prepare(c, req.jobs);
    if (prepared instanceof Response) return prepared;
    return relay(c, await cluster(c.env).submit(prepared, req.name ?? null, true), ROUTES.submitDag.status);
  });

  route(app, 'listJobs', async (c, _, q) => c.json(await cluster(c.env).listJobs(q)));
  route(app, 'getJob', async (c) => relay(c, wrapJob(await cluster(c.env).getJob(c.req.param('id')!, true))));
  route(app, 'waitJob', async (c, _, q) => relay(c, wrapJob(await cluster(c.env).waitJob(c.req.param('id')!, q.waitMs))));
  route(app, 'cancelJob', async (c) => relay(c, wrapJob(await cluster(c.env).cancel(c.req.param('id')!))));
  route(app, 'retryJob', async (c) => relay(c, wrapJob(await cluster(c.env).retry(c.req.param('id')!))));
  route(app, 'approveJob', async (c, req) => relay(c, wrapJob(await cluster(c.env).decide(c.req.param('id')!, 'approve', req.by, req.reason, c.get('role')))));
  route(app, 'rejectJob', async (c, req) => relay(c, wrapJob(await cluster(c.env).decide(c.req.param('id')!, 'reject', req.by, req.reason, c.get('role')))));
  route(app, 'stopService', async (c) => relay(c, wrapJob(await cluster(c.env).stop(c.req.param('id')!))));

  route(app, 'listDags', async (c, _, q) => c.json(await cluster(c.env).listDags(q.limit)));
  route(app, 'waitDag', async (c, _, q) => relay(c, await cluster(c.env).waitDag(c.req.param('id')!, q.waitMs)));
  route(app, 'spawnJobs', async (c, req) => {
    const id = c.req.param('id')!;
    const prepared = await prepare(c, req.jobs, (withIds) => cluster(c.env).checkSpawn(id, withIds.map(checkNode)));
    if (prepared instanceof Response) return prepared;
    return relay(c, await cluster(c.env).spawn(id, prepared), ROUTES.spawnJobs.status);
  });
  route(app, 'getDag', async (c) => relay(c, await cluster(c.env).getDag(c.req.param('id')!)));
  route(app, 'cancelDag', async (c) => relay(c, await cluster(c.env).cancelDag(c.req.param('id')!)));
  route(app, 'retryDag', async (c) => relay(c, await cluster(c.env).retryDag(c.req.param('id')!)));
  route(app, 'nameDag', async (c, req) => relay(c, await cluster(c.env).nameDag(c.req.param('id')!, req.name, req.onlyIfUnnamed)));
}

function wrapJob<T, E>(r: { ok: true; value: T } | { ok: false; error: E }) {
  return r.ok ? { ok: true as const, value: { job: r.value } } : r;
}
