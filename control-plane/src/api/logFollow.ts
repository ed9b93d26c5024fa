import type { JobView } from '../contract/jobs';
import { followEnds, type FollowFacts } from '../core/followEnd';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type FollowStatus = (FollowFacts & { status: JobView['status'] }) | null;

/**
 * Pass the LogDO's live stream through, and close it with an `end` event once the followed run
 * is over (core/followEnd): terminal with its lease closed, so the agent's last lines (the kill
 * of a cancel, the exit) came first; or terminal for `maxWaitMs` with the agent silent.
 */
export function streamUntilEnd(upstream: ReadableStream<Uint8Array>, status: () => Promise<FollowStatus>, followedRun: number, maxWaitMs: number, pollMs = 1000): ReadableStream<Uint8Array> {
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
    let terminalSince: number | null = null;
    while (!closed) {
      const job = await status().catch(() => null);
      const now = Date.now();
      if (job?.terminal && job.run === followedRun) terminalSince ??= now;
      if (followEnds(job, followedRun, terminalSince, now, maxWaitMs)) {
        await sleep(250); // lines still in flight from the LogDO go first
        const data = { run: followedRun, status: job && job.run === followedRun ? job.status : 'ENDED' };
        await close(`event: end\ndata: ${JSON.stringify(data)}\n\n`);
        return;
      }
      // Once terminal, the lease closes within moments: look more often.
      await sleep(terminalSince === null ? pollMs : 200);
    }
  })();
  return readable;
}
