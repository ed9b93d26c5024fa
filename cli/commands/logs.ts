import { Agent, request } from 'undici';
import { routePath } from '../../control-plane/src/contract/call';
import { isFinalStatus } from '../../control-plane/src/contract/jobs';
import type { LogLine } from '../../control-plane/src/contract/logs';
import type { TitanHttpClient } from '../../sdk/ts/client';
import type { Invocation } from '../args';
import { clientConfig } from '../config';
import { SseParser } from '../sse';
import { sourcesOf, type System } from '../system';
import { notFound, resolveJob, withClient } from './connect';

/** Lines asked for per page: a few MB per answer, whatever the log's length. */
const PAGE = 10_000;
/** A follow that loses its stream this many times in a row gives up. */
const MAX_RECONNECTS = 20;

/** `titan logs ID [-f]`: every line of the run on stdout/stderr as the job wrote them; -f follows until it ends. */
export function runLogs(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const id = inv.positionals[0];
    const job = await resolveJob(client, id);
    if (!job) return notFound(id);
    if (inv.flags.follow !== true) {
      await printHistory(client, job.id, undefined, 0);
      return 0;
    }
    // Follow the job's current run: history page by page, then the live stream from where it stopped.
    const after = await printHistory(client, job.id, job.run, 0);
    return follow(client, clientConfig(sourcesOf(inv.flags, sys)), job.id, job.run, after);
  });
}

/** Prints every line after `after`, page by page until a page comes back empty; answers the last seq. */
async function printHistory(client: TitanHttpClient, id: string, run: number | undefined, after: number): Promise<number> {
  let warned = false;
  for (;;) {
    const r = await client.getLogs(id, { after, limit: PAGE, ...(run !== undefined ? { run } : {}) });
    if (r.truncated && !warned) {
      warned = true;
      process.stderr.write(`titan: some earlier lines of ${id} are missing from the log store\n`);
    }
    if (r.lines.length === 0 || r.next <= after) return after;
    await print(r.lines);
    after = r.next;
  }
}

/**
 * The live tail over server-sent events until the control plane's `end` event, which it sends
 * after the run's final lines. A dropped stream is picked up again from the last line printed.
 */
async function follow(client: TitanHttpClient, cfg: { url: string; token: string }, id: string, run: number, after: number): Promise<number> {
  const dispatcher = new Agent({ headersTimeout: 30_000, bodyTimeout: 0 });
  let failures = 0;
  try {
    for (;;) {
      let ended = false;
      try {
        const res = await request(cfg.url.replace(/\/+$/, '') + routePath('followLogs', { id }, { after, run }), {
          headers: { authorization: `Bearer ${cfg.token}`, accept: 'text/event-stream' },
          dispatcher,
        });
        if (res.statusCode >= 400) {
          const text = await res.body.text();
          process.stderr.write(`titan: ${res.statusCode}: ${text}\n`);
          return 1;
        }
        const parser = new SseParser();
        const decoder = new TextDecoder();
        for await (const chunk of res.body) {
          failures = 0;
          for (const ev of parser.push(decoder.decode(chunk as Buffer, { stream: true }))) {
            if (ev.event === 'end') ended = true;
            else if (ev.event === 'message' && ev.data) {
              const line = JSON.parse(ev.data) as LogLine;
              if (line.seq <= after) continue; // already printed before a reconnect
              await print([line]);
              after = line.seq;
            }
          }
          if (ended) break;
        }
      } catch (e) {
        if (++failures >= MAX_RECONNECTS) throw e;
      }
      if (ended) return 0;
      // The stream closed without `end`: finished meanwhile (print what is left), or reconnect.
      const cur = await client.findJob(id).catch(() => undefined);
      if (cur === null || (cur && (cur.run !== run || isFinalStatus(cur.status)))) {
        await printHistory(client, id, run, after);
        return 0;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await dispatcher.close().catch(() => {});
  }
}

/** Lines go to the stream they came from, in order; waits when a pipe is full instead of buffering a 50,000-line log. */
async function print(lines: readonly LogLine[]): Promise<void> {
  let i = 0;
  while (i < lines.length) {
    const out = lines[i]!.stream === 'stderr' ? process.stderr : process.stdout;
    let text = '';
    for (; i < lines.length && (lines[i]!.stream === 'stderr') === (out === process.stderr); i++) text += lines[i]!.text + '\n';
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
}
