/**
 * A call after a pause must not go out on a connection the server is closing for idleness (workerd
 * closes an idle one after 5 s): against a stand-in server that closes a connection, without an
 * answer, when a request comes on it after 4.2 s of quiet, as a server whose idle close crosses
 * the request does. A POST lost that way could not be sent again.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IDLE_SOCKET_MS, TitanHttpClient } from '../../sdk/ts/client';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** Answers `{}` to every request, except one arriving on a connection quiet for `closeAfterMs`: that connection is dropped. */
async function closingServer(closeAfterMs: number): Promise<{ url: string; connections: () => number; dropped: () => number }> {
  let connections = 0;
  let dropped = 0;
  const server = net.createServer((sock) => {
    connections++;
    let last = Date.now();
    let buf = '';
    sock.on('data', (c) => {
      buf += c.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        if (Date.now() - last >= closeAfterMs) {
          dropped++;
          sock.destroy();
          return;
        }
        sock.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
        last = Date.now();
      }
    });
    sock.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => connections, dropped: () => dropped };
}

describe('idle connections', () => {
  it('are let go before a server would close them, so a POST after a pause gets through', async () => {
    expect(IDLE_SOCKET_MS).toBeLessThan(4_200);
    const server = await closingServer(4_200);
    const client = new TitanHttpClient({ url: server.url, token: 't' });
    try {
      await client.complete('a1', []); // a POST: never sent twice
      await new Promise((r) => setTimeout(r, 4_300));
      await expect(client.complete('a1', [])).resolves.toEqual({});
      expect(server.dropped()).toBe(0);
      expect(server.connections()).toBe(2); // the second call on a connection of its own
    } finally {
      await client.close();
    }
  }, 15_000);
});
