import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { otherIdForm } from '../../../control-plane/src/contract/jobs';
import { TitanApiError, type TitanHttpClient } from '../client';
import { parsePipeline, pipelineToDag, PipelineError } from '../pipeline';
import { str, UsageError, type Parsed } from './args';
import { clientFrom } from './config';
import { followJobs } from './progress';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Job ids as users type them: the bridge's `DAG-` prefix is optional everywhere. */
async function resolveJob(client: TitanHttpClient, id: string) {
  return (await client.findJob(id)) ?? (await client.findJob(otherIdForm(id)));
}

function need(p: Parsed, i: number, what: string): string {
  const v = p.positionals[i];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

export function zipFolder(folder: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '__pycache__' || e.name === '.git' || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files[relative(folder, p).split('\\').join('/')] = readFileSync(p);
    }
  };
  walk(folder);
  return zipSync(files);
}

async function submit(client: TitanHttpClient, p: Parsed): Promise<number> {
  const file = resolve(need(p, 0, 'pipeline file'));
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const base = dirname(file);
  let pipeline;
  try {
    pipeline = parsePipeline(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof PipelineError) throw new UsageError(`${basename(file)}: ${e.message}`);
    throw e;
  }
  let dag;
  if (pipeline.project) {
    const folder = resolve(base, pipeline.project);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`project folder not found: ${folder}`);
    for (const j of pipeline.jobs) if (!existsSync(join(folder, j.file))) throw new UsageError(`job ${j.id}: ${j.file} not found in ${folder}`);
    const archive = `${basename(folder)}.zip`;
    await client.putArtifact(archive, zipFolder(folder));
    dag = pipelineToDag(pipeline, { archive });
  } else {
    for (const j of pipeline.jobs) if (!existsSync(resolve(base, j.file))) throw new UsageError(`job ${j.id}: file ${j.file} not found`);
    dag = pipelineToDag(pipeline, { readFile: (f) => readFileSync(resolve(base, f)) });
  }
  const r = await client.submitDag(dag);
  console.log(`submitted ${pipeline.name}: ${r.jobs.length} jobs (${r.dag})`);
  if (!p.flags.wait) return 0;
  const final = await followJobs(client, r.jobs, (l) => console.log(l));
  return Object.values(final).every((s) => s === 'COMPLETED') ? 0 : 1;
}

async function logs(client: TitanHttpClient, p: Parsed): Promise<number> {
  const id = need(p, 0, 'job id');
  const job = await resolveJob(client, id);
  if (!job) return notFound(id);
  const follow = p.flags.f === true || p.flags.follow === true;
  let after = 0;
  for (;;) {
    const r = await client.getLogs(job.id, { after });
    for (const l of r.lines) (l.stream === 'stderr' ? process.stderr : process.stdout).write(l.text + '\n');
    after = r.next;
    if (!follow) return 0;
    if (r.lines.length === 0) {
      const cur = await client.findJob(job.id);
      if (!cur || FINAL.has(cur.status)) {
        // One last read: lines may land just before the final status.
        const tail = await client.getLogs(job.id, { after });
        for (const l of tail.lines) (l.stream === 'stderr' ? process.stderr : process.stdout).write(l.text + '\n');
        return 0;
      }
      await new Promise((res) => setTimeout(res, 300));
    }
  }
}

function notFound(id: string): number {
  console.error(`titan: no job ${id}`);
  return 1;
}

export async function runCommand(cmd: string, p: Parsed): Promise<number> {
  const client = clientFrom(p);
  const json = p.flags.json === true;
  try {
    switch (cmd) {
      case 'submit':
        return await submit(client, p);
      case 'status': {
        const id = need(p, 0, 'job id');
        const job = await resolveJob(client, id);
        if (!job) return notFound(id);
        if (json) console.log(JSON.stringify(job, null, 2));
        else {
          console.log(`${job.id}  ${job.status}  (state ${job.state}, run ${job.run}, attempts ${job.attempts}${job.node ? `, on ${job.node}` : ''}${job.exitCode !== null ? `, exit ${job.exitCode}` : ''})`);
          for (const h of job.history ?? []) console.log(`  ${new Date(h.ts).toISOString()}  ${h.state}${h.note ? `  ${h.note}` : ''}`);
        }
        return 0;
      }
      case 'logs':
        return await logs(client, p);
      case 'cancel':
      case 'retry':
      case 'stop': {
        const id = need(p, 0, 'job id');
        const job = await resolveJob(client, id);
        if (!job) return notFound(id);
        const r = cmd === 'cancel' ? await client.cancelJob(job.id) : cmd === 'retry' ? await client.retryJob(job.id) : await client.stopService(job.id);
        console.log(`${r.job.id}  ${r.job.status}`);
        return 0;
      }
      case 'workers': {
        const { agents } = await client.listAgents();
        if (json) return console.log(JSON.stringify(agents, null, 2)), 0;
        if (!agents.length) console.log('no agents registered');
        for (const a of agents) {
          const seen = Math.round((Date.now() - a.lastSeen) / 1000);
          console.log(`${a.alive ? '●' : '○'} ${a.name.padEnd(24)} ${a.capabilities.join(',').padEnd(24)} load ${a.running}/${a.slots}  seen ${seen}s ago${a.ephemeral ? '  (ephemeral)' : ''}`);
        }
        return 0;
      }
      case 'stats': {
        const s = await client.stats();
        if (json) return console.log(JSON.stringify(s, null, 2)), 0;
        console.log(`agents ${s.activeAgents} active / ${s.agents.length}  ·  queue ${s.queueDepth} ${JSON.stringify(s.queueByRequirement)}`);
        console.log(Object.entries(s.counts).map(([k, v]) => `${k.toLowerCase()} ${v}`).join('  '));
        return 0;
      }
      case 'store': {
        const op = need(p, 0, 'store operation (get|put|sadd|smembers|keys)');
        if (op === 'keys') {
          for (const k of (await client.listKeys(p.positionals[1] ?? '')).keys) console.log(`${k.kind === 'set' ? 'set   ' : 'string'}  ${k.key}  (${k.size})`);
          return 0;
        }
        const key = need(p, 1, 'key');
        if (op === 'get') {
          const v = await client.kvGet(key);
          if (v === null) return console.error(`titan: no key ${key}`), 1;
          process.stdout.write(v + '\n');
        } else if (op === 'put') await client.kvPut(key, need(p, 2, 'value')), console.log('OK');
        else if (op === 'sadd') console.log(await client.sadd(key, need(p, 2, 'member')));
        else if (op === 'smembers') for (const m of await client.smembers(key)) console.log(m);
        else throw new UsageError(`unknown store operation ${op}`);
        return 0;
      }
      case 'upload': {
        const file = resolve(need(p, 0, 'file'));
        if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
        const isDir = statSync(file).isDirectory();
        const name = str(p, 'name') ?? (isDir ? `${basename(file)}.zip` : basename(file));
        const r = await client.putArtifact(name, isDir ? zipFolder(file) : readFileSync(file));
        console.log(`uploaded ${r.name} (${r.size} bytes, sha256 ${r.hash.slice(0, 12)}…)`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${cmd} (try \`titan help\`)`);
    }
  } catch (e) {
    if (e instanceof TitanApiError) {
      console.error(`titan: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await client.close();
  }
}
