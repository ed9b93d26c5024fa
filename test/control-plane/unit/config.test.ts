import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, readSettings, settingsOf } from '../../../control-plane/src/config';

describe('settings from Worker vars', () => {
  it('uses the defaults when nothing is set', () => {
    expect(readSettings({})).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
    expect(DEFAULT_SETTINGS).toMatchObject({ leaseTtlMs: 30_000, heartbeatMs: 5_000, retryBaseMs: 500, retryCapMs: 60_000, agentSilentMs: 60_000, jobRetentionMs: 7 * 24 * 3600_000, logMaxLines: 20_000, storeShards: 16 });
  });
  it('takes integer overrides, with surrounding space', () => {
    const r = readSettings({ LEASE_TTL_MS: '2500', HEARTBEAT_MS: ' 300 ', RETRY_BASE_MS: '0', JOB_RETENTION_MS: '800', LOG_MAX_LINES: '10', STORE_SHARDS: '4' });
    expect(r.problems).toEqual([]);
    expect(r.settings).toMatchObject({ leaseTtlMs: 2500, heartbeatMs: 300, retryBaseMs: 0, jobRetentionMs: 800, logMaxLines: 10, storeShards: 4 });
  });
  it('treats an empty var as unset', () => {
    expect(readSettings({ LEASE_TTL_MS: '', STORE_SHARDS: '  ' })).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
  });
  it('keeps the default for an unusable value and reports it', () => {
    const r = readSettings({ LEASE_TTL_MS: 'abc', STORE_SHARDS: '0', LOG_MAX_LINES: '1.5', RETRY_CAP_MS: '-1' });
    expect(r.settings).toEqual(DEFAULT_SETTINGS);
    expect(r.problems).toEqual([
      'LEASE_TTL_MS="abc" is not an integer >= 1; using 30000',
      'RETRY_CAP_MS="-1" is not an integer >= 0; using 60000',
      'LOG_MAX_LINES="1.5" is not an integer >= 1; using 20000',
      'STORE_SHARDS="0" is not an integer >= 1; using 16',
    ]);
  });
  it('parses one env object once', () => {
    const env = { STORE_SHARDS: '8' };
    expect(settingsOf(env)).toBe(settingsOf(env));
    expect(settingsOf(env).storeShards).toBe(8);
  });
});
