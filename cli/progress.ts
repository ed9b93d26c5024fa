/**
 * Following jobs until they end. On a terminal: a live region redrawn in place (progressView.ts
 * decides what it shows); elsewhere (pipes, CI logs): one plain line per change. A final summary
 * line either way.
 */
import { isFinalStatus } from '../control-plane/src/contract/jobs';
import type { TitanHttpClient } from '../sdk/ts/client';
import type { Env } from './config';
import { LiveRegion } from './liveRegion';
import { changeLine, endedLine, finalSummary, renderProgress, summarize, type JobFacts } from './progressView';

export interface FollowOptions {
  /** The jobs' DAG: one request per poll instead of one per job. */
  dag?: string;
  pollMs?: number;
  timeoutMs?: number;
  /** Where the display goes (stdout); its isTTY and columns choose live or plain. */
  stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
  env?: Env;
}

/** Live only on a real terminal that can move its cursor. */
export function isLive(isTTY: boolean | undefined, env: Env): boolean {
  return isTTY === true && env.TERM !== 'dumb';
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off (cursor movement stays). */
export const wantsColor = (env: Env) => !env.NO_COLOR;

async function poll(client: TitanHttpClient, ids: readonly string[], dag: string | undefined): Promise<(JobFacts | null)[]> {
  if (!dag) return Promise.all(ids.map((id) => client.findJob(id)));
  const view = await client.getDag(dag);
  const byId = new Map(view.jobs.map((j) => [j.id, j]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Follow jobs until all have ended; returns their final statuses. */
export async function followJobs(client: TitanHttpClient, ids: string[], o: FollowOptions = {}): Promise<Record<string, string>> {
  const stream = o.stream ?? process.stdout;
  const env = o.env ?? process.env;
  const live = isLive(stream.isTTY, env);
  const render = { since: Date.now(), color: live && wantsColor(env) };
  const region = new LiveRegion((s) => void stream.write(s));
  const width = () => Math.max(10, stream.columns || 80);
  const statuses: Record<string, string> = Object.fromEntries(ids.map((id) => [id, 'PENDING']));
  const seen = new Set<string>();
  for (;;) {
    const views = await poll(client, ids, o.dag);
    const above: string[] = [];
    views.forEach((v, i) => {
      const id = ids[i];
      const s = v?.status ?? 'UNKNOWN';
      if (seen.has(id) && statuses[id] === s) return;
      seen.add(id);
      statuses[id] = s;
      if (!live) above.push(changeLine(id, s, v));
      else {
        const line = endedLine(id, s, v, render.color, width());
        if (line) above.push(line);
      }
    });
    const over = Object.values(statuses).every((s) => isFinalStatus(s) || s === 'UNKNOWN');
    if (live) region.update(renderProgress(statuses, views.filter((v) => v !== null), Date.now(), width(), render), above);
    else if (above.length) stream.write([...above, `  ${summarize(statuses)}`].map((l) => `${l}\n`).join(''));
    if (over) {
      const last = finalSummary(statuses, Date.now(), render);
      if (live) region.done([last]);
      else stream.write(`${last}\n`);
      return statuses;
    }
    if (o.timeoutMs && Date.now() - render.since > o.timeoutMs) throw new Error(`gave up waiting after ${o.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}
