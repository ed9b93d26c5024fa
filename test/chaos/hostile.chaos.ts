// Chaos: hostile input against a real control plane (workerd), a real bridge socket and a real
// `titan agent`. Every hostile request must get the right refusal (4xx, or the bridge's ERROR
// reply / a clean close) and store nothing: store keys, artifacts, jobs, DAGs and R2's files on
// disk are compared before and after each case.
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../control-plane/src/contract/common';
import { ROUTES, type RouteDef } from '../../control-plane/src/contract/routes';
import { FrameDecoder, isErrorText } from '../../tcp-bridge/src/codec';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge, type Bridge } from '../../tcp-bridge/src/server';
import { hasLocalControlPlane, logText, spawnAgentProcess, tmpdir, waitEnded } from '../agent/helpers';
import { exchange, parseReplies, request as protoRequest } from '../bridge/wire';
import { startTestPlane, type TestPlane } from '../helpers/controlPlane';
import { fuzzCase } from './hostile-fuzz';
import { added, chunkedRaw, declaredOnly, NOTHING, raw, rng, snapshot, walk } from './hostile-helpers';
import { record } from './report';

const MAX_JSON_BYTES = LIMITS.maxJsonBodyBytes;
const routes = Object.entries(ROUTES) as Array<[string, RouteDef]>;
const concretePath = (p: string) => p.replace('{id}', 'hostile-x').replace('{name}', 'hostile.txt').replace('{hash}', '0'.repeat(64));
const bodyFor = (def: RouteDef) => (def.body ? '{}' : def.rawBody ? 'x' : undefined);

let plane: TestPlane;
beforeAll(async () => {
  plane = await startTestPlane({ LEASE_TTL_MS: '3000', HEARTBEAT_MS: '500', RETRY_BASE_MS: '50' });
});
afterAll(async () => {
  await plane?.dispose();
});
const snap = () => snapshot(plane.client, plane.stateDir);

describe.skipIf(!hasLocalControlPlane)('hostile input', { timeout: 120_000 }, () => {
  it('every route of ROUTES refuses missing, wrong, URL-borne and other-kind tokens', async () => {
    const before = await snap();
    let inputs = 0;
    const fails: string[] = [];
    const expectStatus = async (what: string, want: number, p: Promise<{ status: number; text: string }>) => {
      inputs++;
      const r = await p;
      if (r.status !== want) fails.push(`${what}: ${r.status} (want ${want}) ${r.text.slice(0, 120)}`);
    };
    for (const [name, def] of routes) {
      if (def.role === 'none') continue;
      const p = concretePath(def.path);
      const send = (token: string | undefined, urlPath = p, headers: Record<string, string> = {}) =>
        raw(plane.url, def.method, urlPath, { token, body: bodyFor(def), headers: def.body ? { 'content-type': 'application/json', ...headers } : headers });
      await expectStatus(`${name} no token`, 401, send(undefined));
      await expectStatus(`${name} wrong token`, 401, send(`${plane.clientToken}x`));
      await expectStatus(`${name} empty bearer`, 401, send(''));
      await expectStatus(`${name} basic auth`, 401, send(undefined, p, { authorization: `Basic ${Buffer.from(`u:${plane.clientToken}`).toString('base64')}` }));
      for (const t of [plane.clientToken, plane.agentToken]) {
        await expectStatus(`${name} ?token=`, 401, send(undefined, `${p}${p.includes('?') ? '&' : '?'}token=${encodeURIComponent(t)}`));
      }
      if (def.role === 'client') await expectStatus(`${name} agent token`, 403, send(plane.agentToken));
      if (def.role === 'agent') await expectStatus(`${name} client token`, 403, send(plane.clientToken));
    }
    const diff = added(before, await snap());
    record({ case: 'hostile: tokens on every route', inputs, notes: `${routes.length} routes; ${fails.length} wrong answers` });
    expect(fails).toEqual([]);
    expect(diff).toEqual(NOTHING);
  });

  it('malformed JSON bodies are 400 and oversized ones 413, declared or chunked', async () => {
    const before = await snap();
    const r = rng(7);
    let inputs = 0;
    const fails: string[] = [];
    const wrongValues = [123, -1, 'str', true, null, [], {}, [1, 'a'], { nested: { deep: [null] } }, 'x'.repeat(300), 1e308];
    for (const [name, def] of routes) {
      if (!def.body) continue;
      const token = def.role === 'agent' ? plane.agentToken : plane.clientToken;
      const shape = (def.body as { shape?: Record<string, unknown> }).shape ?? {};
      const candidates = ['', 'not json', '{', '{"a":', '[]', 'null', '42', '"str"', 'true', '{"unexpected":{"deep":[1,2]}}', '\u0000', '{}{}', '{"__proto__":{"polluted":1}}'];
      for (const key of Object.keys(shape)) for (let k = 0; k < 4; k++) candidates.push(JSON.stringify({ [key]: wrongValues[Math.floor(r() * wrongValues.length)] }));
      for (const body of candidates) {
        // Only what the contract itself refuses: the server must agree with it.
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
          if (def.body.safeParse(parsed).success) continue;
        } catch {
          /* not JSON: refused */
        }
        inputs++;
        const res = await raw(plane.url, def.method, concretePath(def.path), { token, body, headers: { 'content-type': 'application/json' } });
        if (res.status !== 400 || !/bad_request/.test(res.text)) fails.push(`${name} ${JSON.stringify(body).slice(0, 60)}: ${res.status} ${res.text.slice(0, 100)}`);
      }
    }

    // Oversized: declared by content-length, and chunked (no content-length) counted while it streams.
    const sizes: string[] = [];
    const oversize = async (what: string, method: string, p: string, limit: number, headers: Record<string, string>) => {
      // Declared: only the head goes out; the answer must come without the body being sent.
      inputs++;
      const head = await declaredOnly(plane.url, method, p, limit + 1, { authorization: `Bearer ${plane.clientToken}`, ...headers });
      if (!/^HTTP\/1\.1 413/.test(head)) fails.push(`${what} declared: ${head.slice(0, 100)}`);
      // Chunked: no length; the server must stop reading soon after the limit.
      inputs++;
      const total = limit * 2;
      // The server answers 413 and closes while we still write: its close can reset the connection
      // before our socket has read the answer, which the kernel then drops. Such a reset shows nothing
      // about the server, so that attempt is made again (at most twice); every other outcome counts.
      const send = () => chunkedRaw(plane.url, method, p, total, { authorization: `Bearer ${plane.clientToken}`, ...headers }).catch((e: Error) => ({ status: 0, text: e.message, sent: total }));
      let res = await send();
      for (let again = 0; again < 2 && res.status === 0 && /ECONNRESET|EPIPE/.test(res.text); again++) res = await send();
      if (res.status !== 413 || !/payload_too_large/.test(res.text)) fails.push(`${what} chunked: ${res.status} ${res.text.slice(0, 100)}`);
      if (res.sent >= total) fails.push(`${what} chunked: the whole ${total} bytes were read before the refusal`);
      sizes.push(`${what}: ${(res.sent / 2 ** 20).toFixed(0)} of ${(total / 2 ** 20).toFixed(0)} MiB chunked sent`);
    };
    await oversize('submitJob', 'post', '/v1/jobs', MAX_JSON_BYTES, { 'content-type': 'application/json' });
    await oversize('kvPut', 'put', '/v1/store/kv', MAX_JSON_BYTES, { 'content-type': 'application/json' });
    await oversize('putArtifact', 'put', '/v1/artifacts/hostile-big.bin', LIMITS.maxArtifactBytes, { 'content-type': 'application/octet-stream' });
    await oversize('putBlob', 'put', '/v1/blobs', LIMITS.maxArtifactBytes, { 'content-type': 'application/octet-stream' });

    // Still serving, and nothing stored.
    expect((await raw(plane.url, 'get', '/v1/health')).status).toBe(200);
    const diff = added(before, await snap());
    record({ case: 'hostile: malformed and oversized bodies', inputs, notes: sizes.join('; ') });
    console.log(`hostile bodies: ${inputs} inputs; ${sizes.join('; ')}`);
    expect(fails).toEqual([]);
    expect(diff).toEqual(NOTHING);
  });

  it('path tricks in artifact, script and job file names are refused; escaping zips are not unpacked', async () => {
    const tag = `hostile-escape-${process.pid}`;
    const parent = tmpdir('hostile-agent');
    const workdir = path.join(parent, 'work');
    const enc = (s: string) => new TextEncoder().encode(s);
    const zips: Record<string, Uint8Array> = {
      'hostile-dotdot.zip': zipSync({ 'main.py': enc('print(1)\n'), [`../${tag}-1`]: enc('pwned') }),
      'hostile-deep.zip': zipSync({ 'main.py': enc('print(1)\n'), [`a/../../../../../../../../../../tmp/${tag}-2`]: enc('pwned') }),
      'hostile-abs.zip': zipSync({ 'main.py': enc('print(1)\n'), [`/tmp/${tag}-3`]: enc('pwned') }),
      'hostile-backslash.zip': zipSync({ 'main.py': enc('print(1)\n'), [`..\\${tag}-4`]: enc('pwned') }),
      'hostile-symlink.zip': zipSync({ 'main.py': enc('print(1)\n'), [`${tag}-link`]: [enc(parent), { os: 3, attrs: (0o120777 << 16) >>> 0 }] }),
    };
    for (const [name, bytes] of Object.entries(zips)) await plane.client.putArtifact(name, bytes);
    const before = await snap();

    let inputs = 0;
    const fails: string[] = [];
    const tricks = ['..', '.', '%2e%2e', '%2E%2E', '.%2e', '%2e%2e%2fetc%2fpasswd', '..%2f..%2fetc%2fpasswd', 'a%2fb', '%2fetc%2fpasswd', '..%5c..%5cwin.ini', 'a%5cb', 'C:%5cwindows', 'x%00y', 'x%0ay', 'x%0dy', 'x%7fy', 'x%1by', 'a..b', '...', '%2e%2e%2f'];
    for (const route of ['putArtifact', 'putScript'] as const) {
      const def = ROUTES[route];
      for (const t of tricks) {
        inputs++;
        const res = await raw(plane.url, def.method, def.path.replace('{name}', t), { token: plane.clientToken, body: 'pwned', headers: { 'content-type': 'application/octet-stream' } });
        if (res.status < 400 || res.status >= 500) fails.push(`${route} ${t}: ${res.status} ${res.text.slice(0, 100)}`);
      }
    }
    // The same names inside job specs: the file to run and the archive to unpack.
    const b64 = Buffer.from('print(1)').toString('base64');
    const names = ['../evil.py', '..', '/etc/passwd', 'a/b.py', 'a\\b.py', 'x\u0000.py', 'x\n.py', 'C:\\x.py', '..\\x.py'];
    for (const n of names) {
      for (const spec of [
        { file: n, payloadB64: b64 },
        { type: 'RUN_ARCHIVE', archive: n, file: 'main.py' },
        { type: 'RUN_ARCHIVE', archive: 'hostile-dotdot.zip', file: `../${n}` },
      ]) {
        inputs++;
        const res = await raw(plane.url, 'post', '/v1/jobs', { token: plane.clientToken, body: JSON.stringify(spec), headers: { 'content-type': 'application/json' } });
        if (res.status !== 400) fails.push(`submitJob ${JSON.stringify(spec)}: ${res.status} ${res.text.slice(0, 100)}`);
      }
    }
    const diff = added(before, await snap());

    // The zips go to a real agent as RUN_ARCHIVE jobs: each must fail, refused before unpacking.
    const agent = spawnAgentProcess(['--url', plane.url, '--token', plane.agentToken, '--name', 'hostile', '--slots', '4', '--workdir', workdir]);
    try {
      await agent.ready;
      const ids = [];
      for (const name of Object.keys(zips)) ids.push((await plane.client.submitJob({ type: 'RUN_ARCHIVE', archive: name, file: 'main.py', maxRetries: 0 })).job.id);
      inputs += ids.length;
      for (const id of ids) {
        const j = await waitEnded(plane.client, id, 60_000);
        const log = await logText(plane.client, id);
        if (j.state !== 'DEAD' || !/archive refused/.test(log)) fails.push(`zip job ${id}: ${j.state}\n${log}`);
      }
    } finally {
      agent.proc.kill('SIGKILL');
    }
    // Nothing from the zips anywhere around the agent (its workdir included: refused before
    // unpacking), no symbolic link in it, and nothing at the absolute targets.
    const escaped = walk(parent).filter((f) => f.includes(tag) || f.endsWith('-> symlink'));
    for (const f of fs.readdirSync('/tmp')) if (f.includes(tag)) escaped.push(`/tmp/${f}`);
    fs.rmSync(parent, { recursive: true, force: true });
    record({ case: 'hostile: path tricks and escaping zips', inputs, jobs: Object.keys(zips).length, notes: `${escaped.length} files written outside` });
    expect(fails).toEqual([]);
    expect(diff).toEqual(NOTHING);
    expect(escaped).toEqual([]);
  });

  it('fuzzed TITAN_PROTO frames and job strings: each answered or closed cleanly, nothing stored by a refusal', async () => {
    const SEED = Number(process.env.FUZZ_SEED ?? 1414);
    const CASES = Number(process.env.FUZZ_CASES ?? 3000);
    const bridge: Bridge = await startBridge({ client: plane.client, port: 0, idleTimeoutMs: 300, frameTimeoutMs: 1_000, replyTimeoutMs: 8_000 });
    try {
      const before = await snap();
      const r = rng(SEED);
      const cases = Array.from({ length: CASES }, () => fuzzCase(r));
      const fails: string[] = [];
      const acked: string[] = []; // what an accepted request may have stored: its payload and reply
      const tally = { frames: 0, acks: 0, errors: 0, closedOnBadFraming: 0 };
      let next = 0;
      const worker = async () => {
        while (next < cases.length) {
          const i = next++;
          const c = cases[i]!;
          const sent = new FrameDecoder().push(c.bytes);
          const { data } = await exchange(bridge.port, c.bytes, { halfClose: c.halfClose, timeoutMs: 10_000 });
          const { frames: replies, rest } = parseReplies(data);
          if (rest !== 0) fails.push(`case ${i} (${c.kind}): ${rest} stray bytes`);
          if (replies.length < sent.frames.length) fails.push(`case ${i} (${c.kind}): ${sent.frames.length} frames, ${replies.length} replies`);
          if (sent.error) tally.closedOnBadFraming++;
          tally.frames += sent.frames.length;
          replies.forEach((reply, k) => {
            if (reply.version !== 1 || (reply.opcode !== OP.ACK && reply.opcode !== OP.ERROR)) fails.push(`case ${i}: bad reply ${JSON.stringify(reply)}`);
            if (reply.opcode === OP.ERROR) {
              tally.errors++;
              // The spec's error texts (ERROR…, UNKNOWN…, UPLOAD_FAILED…, DEPLOY_FAILED…), never a bare stack trace.
              if (!isErrorText(reply.text)) fails.push(`case ${i}: ERROR reply with text ${JSON.stringify(reply.text.slice(0, 80))}`);
            }
            else {
              tally.acks++;
              const req = sent.frames[k];
              acked.push(`${req?.payload ?? ''}\n${reply.text}`);
            }
          });
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));

      // Anything new must be explained by an accepted request: its key, name or id is in an ACKed exchange.
      const diff = added(before, await snap());
      const ackText = acked.join('\n');
      const unexplained = [
        ...diff.keys.filter((k) => !ackText.includes(k)),
        ...diff.artifacts.filter((a) => !ackText.includes(a)),
      ];
      for (const d of diff.dags) {
        const members = (await plane.client.listJobs({ dag: d, limit: 2000 })).jobs;
        if (!ackText.includes(d) && !members.some((j) => ackText.includes(j.id))) unexplained.push(`dag ${d}`);
      }
      for (const id of diff.jobs) {
        const j = (await plane.client.getJob(id)).job;
        if (!ackText.includes(id) && !(j.dag && ackText.includes(j.dag))) unexplained.push(`job ${id}`);
      }
      // Still serving after it all.
      expect((await protoRequest(bridge.port, OP.KV_SET, 'hostile-after-fuzz|ok')).text).toBe('OK');
      expect((await protoRequest(bridge.port, OP.KV_GET, 'hostile-after-fuzz')).text).toBe('ok');
      console.log(`hostile fuzz: seed ${SEED}, ${CASES} inputs, ${JSON.stringify(tally)}, stored by accepted requests: ${JSON.stringify({ ...diff, keys: diff.keys.length, jobs: diff.jobs.length })}`);
      record({
        case: 'hostile: TITAN_PROTO and grammar fuzz',
        inputs: CASES,
        notes: `seed ${SEED}; ${tally.frames} frames, ${tally.errors} ERROR, ${tally.acks} ACK, ${tally.closedOnBadFraming} bad framings closed`,
      });
      expect(fails.slice(0, 10)).toEqual([]);
      expect(unexplained).toEqual([]);
    } finally {
      await bridge.close();
    }
  });
});
