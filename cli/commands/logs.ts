import type { Invocation } from '../args';
import { isFinalStatus } from '../../control-plane/src/contract/jobs';
import type { System } from '../system';
import { notFound, resolveJob, withClient } from './connect';

/** `titan logs ID [-f]`: the job's lines on stdout/stderr as it wrote them; -f follows until it ends. */
export function runLogs(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const id = inv.positionals[0];
    const job = await resolveJob(client, id);
    if (!job) return notFound(id);
    const follow = inv.flags.follow === true;
    const print = (lines: { stream: string; text: string }[]) => {
      for (const l of lines) (l.stream === 'stderr' ? process.stderr : process.stdout).write(l.text + '\n');
    };
    let after = 0;
    for (;;) {
      const r = await client.getLogs(job.id, { after });
      print(r.lines);
      after = r.next;
      if (!follow) return 0;
      if (r.lines.length === 0) {
        const cur = await client.findJob(job.id);
        if (!cur || isFinalStatus(cur.status)) {
          // One last read: lines may land just before the final status.
          print((await client.getLogs(job.id, { after })).lines);
          return 0;
        }
        await new Promise((res) => setTimeout(res, 300));
      }
    }
  });
}
