import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, type Flags } from '../../cli/args';
import { COMMANDS } from '../../cli/commandTable';
import { agentConfig, bridgeConfig, clientConfig, clusterFilePath, parseVars, upConfig, type Env, type Sources } from '../../cli/config';

/** Flags as the real command table parses them for `titan <argv…>`. */
function flagsOf(argv: string[]): Flags {
  const r = parseCommandLine(COMMANDS, argv, '');
  if (r.kind !== 'run') throw new Error(`not a run: ${argv.join(' ')}`);
  return r.inv.flags;
}

/** A file system of a few files, recording what was read. */
function sources(argv: string[], env: Env = {}, files: Record<string, unknown> = {}, cwd = '/work'): Sources & { reads: string[] } {
  const reads: string[] = [];
  return {
    flags: flagsOf(argv),
    env,
    cwd,
    reads,
    readFile: (p) => (reads.push(p), p in files ? (typeof files[p] === 'string' ? (files[p] as string) : JSON.stringify(files[p])) : null),
  };
}

const CLUSTER = { url: 'http://127.0.0.1:8787', clientToken: 'tc_x', agentToken: 'ta_y', bridge: { host: '127.0.0.1', port: 9090 } };

describe('where user commands connect', () => {
  it('flags > environment > .titan/cluster.json, mixing per field', () => {
    const files = { '/work/.titan/cluster.json': CLUSTER };
    expect(clientConfig(sources(['workers'], {}, files))).toEqual({ url: CLUSTER.url, token: 'tc_x' });
    expect(clientConfig(sources(['workers'], { TITAN_URL: 'http://env', TITAN_TOKEN: 'te' }, files))).toEqual({ url: 'http://env', token: 'te' });
    expect(clientConfig(sources(['workers', '--url', 'http://flag', '--token', 'tf'], { TITAN_URL: 'http://env', TITAN_TOKEN: 'te' }, files))).toEqual({ url: 'http://flag', token: 'tf' });
    expect(clientConfig(sources(['workers', '--token', 'mine'], {}, files))).toEqual({ url: CLUSTER.url, token: 'mine' });
  });

  it('reads the cluster file only when flags and environment leave something out', () => {
    const s = sources(['status', 'J', '--url', 'http://a'], { TITAN_TOKEN: 't' }, { '/work/.titan/cluster.json': '{broken' });
    expect(clientConfig(s)).toEqual({ url: 'http://a', token: 't' });
    expect(s.reads).toEqual([]);
    expect(() => clientConfig(sources(['status', 'J'], {}, { '/work/.titan/cluster.json': '{broken' }))).toThrow(/cluster\.json is not valid JSON/);
  });

  it('TITAN_STATE=DIR and --state DIR pick DIR/cluster.json (relative to the cwd)', () => {
    const files = { '/work/other/cluster.json': { ...CLUSTER, url: 'http://other' }, '/abs/st/cluster.json': { ...CLUSTER, url: 'http://abs' } };
    expect(clientConfig(sources(['workers'], { TITAN_STATE: 'other' }, files)).url).toBe('http://other');
    expect(clientConfig(sources(['workers', '--state', '/abs/st'], { TITAN_STATE: 'other' }, files)).url).toBe('http://abs');
    expect(clusterFilePath({ flags: {}, env: {}, cwd: '/w' })).toBe('/w/.titan/cluster.json');
    expect(clusterFilePath({ flags: {}, env: { TITAN_STATE: '' }, cwd: '/w' })).toBe('/w/.titan/cluster.json');
  });

  it('explains what is missing', () => {
    expect(() => clientConfig(sources(['workers']))).toThrow(UsageError);
    expect(() => clientConfig(sources(['workers']))).toThrow(/pass --url and --token, set TITAN_URL and TITAN_TOKEN, or run `titan up`/);
  });
});

describe('titan agent', () => {
  it('takes flags over env over .titan/cluster.json; the agent token, not the client token', () => {
    expect(() => agentConfig(sources(['agent']))).toThrow(/no control plane/);
    const files = { '/work/.titan/cluster.json': { url: 'http://file', agentToken: 'ta', clientToken: 'tc' } };
    expect(agentConfig(sources(['agent'], {}, files))).toMatchObject({ url: 'http://file', token: 'ta', clientToken: 'tc', slots: 4, graceMs: 30_000, capabilities: [] });
    expect(agentConfig(sources(['agent', '--slots', '2', '--capabilities', 'gpu', '--grace', '1.5'], { TITAN_URL: 'http://env', TITAN_AGENT_TOKEN: 'te' }, files))).toMatchObject({
      url: 'http://env',
      token: 'te',
      clientToken: 'tc',
      slots: 2,
      capabilities: ['GPU'],
      graceMs: 1500,
    });
    expect(agentConfig(sources(['agent', '--client-token', 'mine'], { TITAN_TOKEN: 'env' }, files)).clientToken).toBe('mine');
    expect(agentConfig(sources(['agent'], { TITAN_TOKEN: 'env' }, files)).clientToken).toBe('env');
    expect(agentConfig(sources(['agent', '--ephemeral', '--name', 'n', '--workdir', '/w', '--high-mem-gib', '32'], {}, files))).toMatchObject({ ephemeral: true, name: 'n', workdir: '/w', highMemGiB: 32 });
    expect(() => flagsOf(['agent', '--slots', '0'])).toThrow(/slots/);
    expect(() => flagsOf(['agent', '--bogus'])).toThrow('unknown option --bogus');
    expect(() => agentConfig(sources(['agent', '--capabilities', 'bad tag'], {}, files))).toThrow(/--capabilities: invalid capability tag/);
  });

  it('--python-zygote on|off reaches the agent; unset leaves the default', () => {
    const base = ['agent', '--url', 'http://x', '--token', 't'];
    expect(agentConfig(sources([...base, '--python-zygote', 'on'])).pythonZygote).toBe(true);
    expect(agentConfig(sources([...base, '--python-zygote', 'off'])).pythonZygote).toBe(false);
    expect(agentConfig(sources(base)).pythonZygote).toBeUndefined();
    expect(() => flagsOf([...base, '--python-zygote', 'maybe'])).toThrow(/on or off/);
  });
});

describe('titan bridge', () => {
  it('flags win over the environment; defaults for host and port', () => {
    expect(bridgeConfig(sources(['bridge', '--url', 'http://a', '--token', 't'], { TITAN_URL: 'http://env', TITAN_TOKEN: 'e' }))).toEqual({
      url: 'http://a',
      token: 't',
      host: '127.0.0.1',
      port: 9090,
      manifestPort: null,
    });
    expect(bridgeConfig(sources(['bridge', '--host=0.0.0.0', '--port', '0', '--manifest-port', '5000'], { TITAN_URL: 'http://env', TITAN_TOKEN: 'e', TITAN_BRIDGE_PORT: '7000' }))).toEqual({
      url: 'http://env',
      token: 'e',
      host: '0.0.0.0',
      port: 0,
      manifestPort: 5000,
    });
    expect(bridgeConfig(sources(['bridge'], { TITAN_URL: 'http://env', TITAN_TOKEN: 'e', TITAN_BRIDGE_PORT: '7000' })).port).toBe(7000);
  });

  it('falls back to .titan/cluster.json in the cwd', () => {
    const files = { '/work/.titan/cluster.json': CLUSTER };
    expect(bridgeConfig(sources(['bridge'], {}, files))).toMatchObject({ url: CLUSTER.url, token: 'tc_x' });
    expect(bridgeConfig(sources(['bridge', '--token', 'mine'], {}, files))).toMatchObject({ url: CLUSTER.url, token: 'mine' });
  });

  it('explains what is missing or wrong', () => {
    expect(() => bridgeConfig(sources(['bridge']))).toThrow(/pass --url and --token/);
    expect(() => flagsOf(['bridge', '--url', 'http://a', '--token', 't', '--port', 'x'])).toThrow(/--port needs a whole number from 0 to 65535/);
    expect(() => bridgeConfig(sources(['bridge', '--url', 'http://a', '--token', 't'], { TITAN_BRIDGE_PORT: 'x' }))).toThrow(/TITAN_BRIDGE_PORT needs a whole number/);
    expect(() => flagsOf(['bridge', '--bogus', '1'])).toThrow('unknown option --bogus');
    expect(() => flagsOf(['bridge', '--url'])).toThrow('option --url needs a value');
  });
});

describe('titan up', () => {
  it('defaults, flags and TITAN_STATE', () => {
    expect(upConfig(sources(['up']))).toEqual({
      stateDir: '/work/.titan',
      host: '127.0.0.1',
      httpPort: 8787,
      bridgePort: 9090,
      manifestPort: 5000,
      agents: 1,
      capabilities: [],
      slots: 4,
      demo: false,
      verbose: false,
      vars: {},
    });
    expect(upConfig(sources(['up', '--state', 's', '--http-port', '0', '--bridge-port', '0', '--no-manifest', '--agents', '2', '--capabilities', 'GPU, HIGH_MEM', '--slots', '8', '--demo', '--verbose']))).toMatchObject({
      stateDir: '/work/s',
      httpPort: 0,
      bridgePort: 0,
      manifestPort: null,
      agents: 2,
      capabilities: ['GPU', 'HIGH_MEM'],
      slots: 8,
      demo: true,
      verbose: true,
    });
    expect(upConfig(sources(['up'], { TITAN_STATE: '/tmp/st', TITAN_BRIDGE_PORT: '9191' }))).toMatchObject({ stateDir: '/tmp/st', bridgePort: 9191 });
    expect(() => upConfig(sources(['up', '--no-manifest', '--manifest-port', '1']))).toThrow(/contradict/);
  });

  it('--var KEY:VALUE sets Worker vars (the value may hold colons)', () => {
    expect(upConfig(sources(['up', '--var', 'LEASE_TTL_MS:2000', '--var', 'URL:http://x:1'])).vars).toEqual({ LEASE_TTL_MS: '2000', URL: 'http://x:1' });
    expect(parseVars(['EMPTY:'])).toEqual({ EMPTY: '' });
    expect(() => parseVars(['NOVALUE'])).toThrow(/KEY:VALUE/);
    expect(() => parseVars(['bad key:1'])).toThrow(/KEY:VALUE/);
  });
});

describe('--token-file: a token that is not on the command line', () => {
  const files = { '/work/.titan/cluster.json': { url: 'http://file', agentToken: 'ta', clientToken: 'tc' }, '/work/secrets/agent': 'ta_from_file\n', '/etc/titan/client': '  tc_file  \r\nsecond line ignored\n', '/work/empty': '\n' };

  it('reads the first line of the file (relative to the cwd), over the environment and cluster.json', () => {
    expect(agentConfig(sources(['agent', '--token-file', 'secrets/agent'], { TITAN_AGENT_TOKEN: 'env' }, files)).token).toBe('ta_from_file');
    expect(clientConfig(sources(['workers', '--token-file', '/etc/titan/client'], { TITAN_TOKEN: 'env' }, files))).toEqual({ url: 'http://file', token: 'tc_file' });
    expect(bridgeConfig(sources(['bridge', '--token-file', '/etc/titan/client', '--max-connections', '8'], {}, files))).toMatchObject({ token: 'tc_file', maxConnections: 8 });
  });

  it('refuses a missing or empty file, and both forms at once', () => {
    expect(() => agentConfig(sources(['agent', '--token-file', 'nope'], {}, files))).toThrow('--token-file: no such file /work/nope');
    expect(() => clientConfig(sources(['workers', '--token-file', 'empty'], {}, files))).toThrow(/--token-file: \/work\/empty is empty/);
    expect(() => clientConfig(sources(['workers', '--token', 't', '--token-file', 'empty'], {}, files))).toThrow('--token and --token-file contradict each other');
  });
});
