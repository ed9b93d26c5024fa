/**
 * A TCP proxy a chaos test controls, to cut one link without touching either end: `cut()` destroys
 * every connection through it and refuses new ones (accepted, then reset at once) until `restore()`.
 * The listening port stays the same throughout, so the client behind it needs no new address.
 */
import net from 'node:net';

export interface ChaosProxy {
  /** `http://127.0.0.1:PORT`, to give the client instead of the target's URL. */
  url: string;
  port: number;
  cut(): void;
  restore(): void;
  /** Connections refused while cut (a sign the client really tried). */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<ChaosProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  let refused = 0;
  const server = net.createServer((client) => {
    if (cut) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = [client, upstream];
    for (const s of pair) {
      open.add(s);
      s.on('error', () => {});
      // One side gone: the other goes too, as a cut link would take both.
      s.on('close', () => {
        open.delete(s);
        for (const o of pair) o.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut() {
      cut = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    restore() {
      cut = false;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
