import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authStep, tokenMatches } from '../../tcp-bridge/src/auth';
import { encodeFrame } from '../../tcp-bridge/src/codec';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge, type Bridge } from '../../tcp-bridge/src/server';
import { FakeClient } from './fakeClient';
import { exchange, parseReplies, request } from './wire';

const NEEDS = 'ERROR: this bridge needs a token: send AUTH first (titan_sdk: TITAN_BRIDGE_TOKEN)';

describe('authStep (pure)', () => {
  it('lets everything pass when no token is configured', () => {
    expect(authStep(OP.KV_GET, 'k', undefined, false)).toEqual({ kind: 'pass' });
    expect(authStep(OP.AUTH, 'anything', undefined, false)).toEqual({ kind: 'pass' });
  });
  it('with a token: AUTH is checked, other opcodes need a prior AUTH', () => {
    expect(authStep(OP.AUTH, 'tok', 'tok', false)).toEqual({ kind: 'accept' });
    expect(authStep(OP.AUTH, 'tok2', 'tok', false)).toEqual({ kind: 'refuse', message: 'bad bridge token' });
    expect(authStep(OP.KV_GET, 'k', 'tok', false).kind).toBe('refuse');
    expect(authStep(OP.KV_GET, 'k', 'tok', true)).toEqual({ kind: 'pass' });
  });
  it('compares tokens of any length', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
  });
});

describe('a bridge without a token (the default)', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ client: new FakeClient().asClient(), port: 0 });
  });
  afterAll(() => bridge.close());

  it('serves requests as before and answers AUTH with AUTH_OK', async () => {
    expect((await request(bridge.port, OP.KV_SET, 'k|v')).text).toBe('OK');
    expect(await request(bridge.port, OP.AUTH, 'whatever')).toEqual({ version: 1, opcode: OP.ACK, text: 'AUTH_OK' });
    const { data } = await exchange(bridge.port, Buffer.concat([encodeFrame(OP.AUTH, 'x'), encodeFrame(OP.KV_GET, 'k')]), { expectFrames: 2 });
    expect(parseReplies(data).frames.map((f) => f.text)).toEqual(['AUTH_OK', 'v']);
  });
});

describe('a bridge with a token', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ client: new FakeClient().asClient(), port: 0, authToken: 's3cret' });
  });
  afterAll(() => bridge.close());

  it('refuses a request sent without AUTH, and closes the connection', async () => {
    const { data, closedByServer } = await exchange(bridge.port, encodeFrame(OP.KV_GET, 'k'));
    expect(parseReplies(data).frames).toEqual([{ version: 1, opcode: OP.ERROR, text: NEEDS }]);
    expect(closedByServer).toBe(true);
  });

  it('refuses a wrong token, closes, and never runs what followed it', async () => {
    const bytes = Buffer.concat([encodeFrame(OP.AUTH, 's3cre'), encodeFrame(OP.KV_SET, 'k|stolen')]);
    const { data, closedByServer } = await exchange(bridge.port, bytes);
    expect(parseReplies(data).frames).toEqual([{ version: 1, opcode: OP.ERROR, text: 'ERROR: bad bridge token' }]);
    expect(closedByServer).toBe(true);
  });

  it('serves KV_SET and KV_GET after the right token, on the same connection', async () => {
    const bytes = Buffer.concat([encodeFrame(OP.AUTH, 's3cret'), encodeFrame(OP.KV_SET, 'k|v'), encodeFrame(OP.KV_GET, 'k')]);
    const { data } = await exchange(bridge.port, bytes, { expectFrames: 3 });
    expect(parseReplies(data).frames.map((f) => [f.opcode, f.text])).toEqual([
      [OP.ACK, 'AUTH_OK'],
      [OP.ACK, 'OK'],
      [OP.ACK, 'v'],
    ]);
  });

  it('needs AUTH again on each new connection', async () => {
    expect((await request(bridge.port, OP.KV_GET, 'k')).text).toBe(NEEDS);
  });

  it('refuses an empty token as a configuration', async () => {
    await expect(startBridge({ client: new FakeClient().asClient(), port: 0, authToken: '' })).rejects.toThrow(/empty/);
  });
});
