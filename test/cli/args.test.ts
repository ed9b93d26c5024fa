import { describe, expect, it } from 'vitest';
import { checkNumber, parseCommandLine, programUsage, UsageError, type CommandSpec } from '../../cli/args';
import { COMMANDS } from '../../cli/commandTable';

const acted: string[] = [];
const run = async (inv: { command: string }) => (acted.push(inv.command), 0);
const TABLE: CommandSpec[] = [
  {
    name: 'submit',
    summary: 'submit a pipeline',
    positionals: [{ name: 'FILE.yaml' }],
    options: { wait: { type: 'boolean', help: 'wait' }, url: { type: 'string', value: 'URL', help: 'where' } },
    run,
  },
  {
    name: 'logs',
    summary: 'logs',
    positionals: [{ name: 'ID' }],
    options: { follow: { type: 'boolean', short: 'f', help: 'follow' }, slots: { type: 'string', number: { integer: true, min: 1 }, help: 'n' } },
    run,
  },
  { name: 'store', summary: 'kv', sub: [{ name: 'keys', summary: 'list', positionals: [{ name: 'PREFIX', optional: true }], run }] },
  { name: 'up', summary: 'cluster', options: { var: { type: 'string', multiple: true, help: 'var' }, zyg: { type: 'string', choices: ['on', 'off'], help: 'z' } }, run },
];
const parse = (...argv: string[]) => parseCommandLine(TABLE, argv, 'PROGRAM HELP');
const usageError = (argv: string[]) => {
  try {
    parse(...argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('the command-line parser', () => {
  it('parses flags, short flags, repeatable flags and positionals of the named command', () => {
    expect(parse('submit', 'p.yaml', '--wait', '--url=http://x')).toMatchObject({ kind: 'run', inv: { command: 'submit', positionals: ['p.yaml'], flags: { wait: true, url: 'http://x' } } });
    expect(parse('logs', 'J1', '-f')).toMatchObject({ inv: { positionals: ['J1'], flags: { follow: true } } });
    expect(parse('up', '--var', 'A:1', '--var', 'B:2:3')).toMatchObject({ inv: { flags: { var: ['A:1', 'B:2:3'] } } });
    expect(parse('store', 'keys')).toMatchObject({ inv: { command: 'store keys', positionals: [] } });
    expect(parse('store', 'keys', 'job:')).toMatchObject({ inv: { command: 'store keys', positionals: ['job:'] } });
    expect(parse('submit', '--', '--odd-name.yaml')).toMatchObject({ inv: { positionals: ['--odd-name.yaml'] } });
  });

  it('--help and -h on any command print that usage and act on nothing, even next to mistakes', () => {
    for (const argv of [['submit', '--help'], ['submit', '-h'], ['submit', '--wiat', '--help'], ['logs', '--help'], ['up', '-h'], ['help', 'submit']]) {
      const r = parse(...argv);
      expect(r.kind).toBe('help');
      expect(r.kind === 'help' && r.text).toMatch(new RegExp(`^usage: titan ${argv[0] === 'help' ? argv[1] : argv[0]}`));
    }
    expect(parse('submit', '--help')).toMatchObject({ text: expect.stringContaining('--wait') });
    expect(parse('store', '--help')).toMatchObject({ kind: 'help', text: expect.stringContaining('titan store keys [PREFIX]') });
    expect(parse('store', 'keys', '--help')).toMatchObject({ kind: 'help', text: expect.stringMatching(/^usage: titan store keys \[PREFIX\]/) });
    for (const argv of [[], ['--help'], ['-h'], ['help']]) expect(parse(...argv)).toEqual({ kind: 'help', text: 'PROGRAM HELP' });
    expect(acted).toEqual([]);
  });

  it('--version and -V', () => {
    expect(parse('--version')).toEqual({ kind: 'version' });
    expect(parse('-V')).toEqual({ kind: 'version' });
  });

  it('names an unknown flag, a missing value, a wrong value, a missing or extra positional', () => {
    expect(usageError(['submit', 'x.yaml', '--wiat'])).toMatchObject({ message: 'unknown option --wiat', command: 'submit' });
    expect(usageError(['logs', 'J', '-x']).message).toBe('unknown option -x');
    expect(usageError(['submit', 'x.yaml', '--url']).message).toBe('option --url needs a value');
    expect(usageError(['submit', 'x.yaml', '--url', '--wait']).message).toBe('option --url needs a value');
    expect(usageError(['submit', 'x.yaml', '--wait=yes']).message).toBe('option --wait takes no value');
    expect(usageError(['submit']).message).toBe('missing FILE.yaml');
    expect(usageError(['submit', 'a.yaml', 'b.yaml']).message).toBe('unexpected argument "b.yaml"');
    expect(usageError(['logs', 'J', '--slots', '0']).message).toBe('--slots needs a whole number ≥ 1, not "0"');
    expect(usageError(['logs', 'J', '--slots', 'two']).message).toMatch(/--slots needs a whole number/);
    expect(usageError(['up', '--zyg', 'maybe']).message).toBe('--zyg must be on or off, not "maybe"');
    expect(usageError(['nope']).message).toMatch(/^unknown command nope/);
    expect(usageError(['--wat']).message).toMatch(/^unknown option --wat/);
    expect(usageError(['store']).message).toBe('missing operation (keys)');
    expect(usageError(['store', 'drop']).message).toBe('unknown store operation drop (keys)');
    expect(acted).toEqual([]);
  });

  it('checks numbers against their rule', () => {
    expect(checkNumber('8080', { integer: true, min: 0, max: 65535 }, '--port')).toBe(8080);
    expect(checkNumber('1.5', { min: 0 }, '--grace')).toBe(1.5);
    expect(() => checkNumber('70000', { integer: true, min: 0, max: 65535 }, '--port')).toThrow('--port needs a whole number from 0 to 65535, not "70000"');
    expect(() => checkNumber('', { min: 0 }, 'TITAN_BRIDGE_PORT')).toThrow(UsageError);
    expect(() => checkNumber('-1', { min: 0 }, '--grace')).toThrow(/≥ 0/);
  });
});

describe('the titan command table', () => {
  it('gives every command a usage, and `titan --help` lists them all', () => {
    const all = programUsage(COMMANDS, '');
    for (const name of ['up', 'agent', 'bridge', 'submit', 'status', 'logs', 'cancel', 'retry', 'stop', 'workers', 'stats', 'store get', 'store put', 'store sadd', 'store smembers', 'store keys', 'upload']) {
      expect(all).toContain(`  ${name}`);
      const r = parseCommandLine(COMMANDS, [...name.split(' '), '--help'], all);
      expect(r.kind).toBe('help');
    }
  });

  it('keeps the flags users rely on', () => {
    const help = (cmd: string) => {
      const r = parseCommandLine(COMMANDS, [cmd, '--help'], '');
      return r.kind === 'help' ? r.text : '';
    };
    for (const f of ['--state DIR', '--host H', '--http-port N', '--bridge-port N', '--manifest-port N', '--no-manifest', '--agents N', '--capabilities TAGS', '--slots N', '--demo', '--verbose', '--var KEY:VALUE']) expect(help('up')).toContain(f);
    for (const f of ['--url URL', '--token TOKEN', '--client-token T', '--capabilities TAGS', '--slots N', '--ephemeral', '--name NAME', '--workdir DIR', '--grace SECONDS', '--high-mem-gib N', '--python-zygote on|off']) expect(help('agent')).toContain(f);
    for (const f of ['--url URL', '--token TOKEN', '--host H', '--port N', '--manifest-port N']) expect(help('bridge')).toContain(f);
    expect(parseCommandLine(COMMANDS, ['up', '--var', 'LEASE_TTL_MS:2000', '--no-manifest', '--http-port', '0'], '')).toMatchObject({ inv: { flags: { var: ['LEASE_TTL_MS:2000'], 'no-manifest': true, 'http-port': 0 } } });
    expect(parseCommandLine(COMMANDS, ['logs', 'J', '-f'], '')).toMatchObject({ inv: { flags: { follow: true } } });
  });
});
