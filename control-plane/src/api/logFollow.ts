import { isTerminal, type JobView } from '../contract/jobs';
import type { Result } from '../lib/result';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Pass the LogDO's live stream through, and close it with an `end` event once the followed run
 * has ended, so followers (CLI, dashboard) know to stop. Agents ship a job's logs before they
 * report its result, so by the time the run has ended every line is already on its way.
 */
export function streamUntilEnd(upstream: ReadableStream<Uint8Array>, status: () => Promise<Result<JobView>>, followedRun: number, pollMs = 1000): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const reader = upstream.getReader();
  let closed = false;
  const close = async (tail?: string) => {
    if (closed) return;
    closed = true;
    if (tail) await writer.write(new TextEncoder().encode(tail)).catch(() => {});
    await reader.cancel().catch(() => {});
    await writer.close().catch(() => {});
  };
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || closed) break;
        await writer.write(value);
      }
    } catch {
      /* the follower left */
    }
    await close();
  })();
  void (async () => {
    while (!closed) {
      const r = await status().catch(() => null);
      const job = r?.ok ? r.value : null;
      if (!job || job.run !== followedRun || isTerminal(job.state)) {
        await sleep(250); // lines still in flight from the LogDO go first
        const data = { run: followedRun, status: job && job.run === followedRun ? job.status : 'ENDED' };
        await close(`event: end\ndata: ${JSON.stringify(data)}\n\n`);
        return;
      }
      await sleep(pollMs);
    }
  })();
  return readable;
}
