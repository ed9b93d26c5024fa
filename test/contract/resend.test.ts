import { describe, expect, it } from 'vitest';
import { mayResend } from '../../sdk/ts/resend';
import { resendableOp } from '../../sdk/ts/storeSocket';

describe('mayResend', () => {
  it('sends any call again when the connection was refused: nothing left', () => {
    for (const m of ['GET', 'POST', 'PUT', 'DELETE']) expect(mayResend(m, 'ECONNREFUSED')).toBe(true);
  });

  it('sends an idempotent call again when its connection was cut under it', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']) {
      for (const m of ['GET', 'get', 'HEAD', 'PUT', 'DELETE']) expect(mayResend(m, code)).toBe(true);
    }
  });

  it('never sends a POST again once it may have arrived: it could run twice', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']) expect(mayResend('POST', code)).toBe(false);
  });

  it('leaves other failures to the caller', () => {
    for (const code of ['ETIMEDOUT', 'ENOTFOUND', 'UND_ERR_HEADERS_TIMEOUT', undefined, 42]) expect(mayResend('GET', code)).toBe(false);
  });
});

describe('resendableOp', () => {
  it("follows the method of the op's HTTP route: everything but SADD (a POST) may go again", () => {
    for (const op of ['get', 'put', 'delete', 'smembers'] as const) expect(resendableOp(op)).toBe(true);
    expect(resendableOp('sadd')).toBe(false);
  });
});
