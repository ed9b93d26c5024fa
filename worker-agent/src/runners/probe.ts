/** The probes a service supervisor runs against its port: TCP connect, or an HTTP GET answering 2xx. */
import http from 'node:http';
import net from 'node:net';

/** The port accepts a TCP connection within `timeoutMs`. */
export function tcpOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(timeoutMs);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** GET http://127.0.0.1:port/path answers 2xx within `timeoutMs` (the body is read and dropped). */
export function httpOk(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { 'user-agent': 'titan-agent-health' } }, (res) => {
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
      res.resume();
      res.once('end', () => done(ok));
      res.once('error', () => done(false));
    });
    req.once('error', () => done(false));
    const timer = setTimeout(() => done(false), timeoutMs);
  });
}

/** The probe a health check asks for. */
export function healthProbe(port: number, check: { http: string | null; timeoutMs: number }): () => Promise<boolean> {
  return () => (check.http === null ? tcpOpen(port, check.timeoutMs) : httpOk(port, check.http, check.timeoutMs));
}
