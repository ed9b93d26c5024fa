// The watchdog's shell script against real processes: EOF on its pipe kills the recorded job groups.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidFiles } from '../../worker-agent/src/process';
import { startWatchdog } from '../../worker-agent/src/watchdog';
import { pidAlive, tmpdir, waitFor } from './helpers';

describe('job watchdog', () => {
  it('kills every recorded job process group, children included, once the agent side of its pipe closes', async () => {
    const dir = path.join(tmpdir('watchdog'), 'pids');
    const job = spawn('sh', ['-c', 'sleep 100 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const child = Number(await new Promise<string>((r) => job.stdout!.once('data', (c: Buffer) => r(c.toString()))));
    pidFiles.add(dir, job.pid!);
    // A stale record whose pid now belongs to someone else (wrong start time) must be spared.
    const bystander = spawn('sleep', ['100'], { detached: true, stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, String(bystander.pid)), '1');
    const w = startWatchdog(dir, () => {});
    await new Promise((r) => setTimeout(r, 100));
    expect([pidAlive(job.pid!), pidAlive(child)]).toEqual([true, true]);
    w.close();
    await waitFor('the job group to be gone', async () => !pidAlive(job.pid!) && !pidAlive(child), 1000, 20);
    expect(pidAlive(bystander.pid!)).toBe(true);
    bystander.kill('SIGKILL');
  });
});
