import { execFileSync } from 'node:child_process';
import net from 'node:net';

/** Resolves when the port can be bound; otherwise explains who to blame. */
export function checkPortFree(host: string, port: number, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `port ${port} on ${host} is already taken (another \`titan up\`?); choose another with ${flag}` : `cannot listen on ${host}:${port}: ${e.message}`)),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** A port a process just killed was holding: the kernel may take a moment to let it go. */
export async function waitForPort(host: string, port: number, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      return await checkPortFree(host, port, '');
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function checkPython(): void {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('python3 was not found on PATH: agents run Python jobs with it (install Python 3.10+)');
  }
}
