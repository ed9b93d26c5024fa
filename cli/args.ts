/**
 * The one argument parser behind every `titan` command: `node:util` parseArgs in strict mode,
 * driven by a declarative command table. Pure: it returns what to do and never does it, so
 * `--help` can never start a cluster or contact a server.
 */
import { parseArgs } from 'node:util';
import type { System } from './system';

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Repeatable: the value is a list. */
  multiple?: boolean;
  /** Placeholder in the usage line, e.g. `N`, `DIR`. */
  value?: string;
  help: string;
  /** Shown in the help; applied by the config resolver (so that the environment can come first). */
  defaultText?: string;
  number?: NumberRule;
  choices?: readonly string[];
}

export interface PositionalSpec {
  name: string;
  optional?: boolean;
}

export type Flags = Readonly<Record<string, string | number | boolean | string[] | undefined>>;

export interface Invocation {
  /** The full command name, e.g. `submit` or `store get`. */
  command: string;
  flags: Flags;
  positionals: string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  options?: Record<string, OptionSpec>;
  positionals?: readonly PositionalSpec[];
  /** Extra lines for `--help` (environment, examples). */
  notes?: string;
  /** A group (`store`): the next word picks one of these. */
  sub?: readonly CommandSpec[];
  /** Runs until stopped (agent, bridge): the program exits as soon as it returns. */
  service?: boolean;
  run?: (inv: Invocation, sys: System) => Promise<number>;
}

export type ParseResult =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'run'; spec: CommandSpec; inv: Invocation };

/** A mistake in how the command was called: one line (plus a hint), exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'print this help and do nothing else' };

export function parseCommandLine(table: readonly CommandSpec[], argv: readonly string[], programHelp: string): ParseResult {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { kind: 'help', text: programHelp };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (first === 'help') {
    if (rest.length === 0) return { kind: 'help', text: programHelp };
    const found = findCommand(table, rest);
    return { kind: 'help', text: usage(found.spec, found.name) };
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first} (the command comes first)`);
  const { spec, name, args } = findCommand(table, argv);
  if (spec.sub) {
    const ops = spec.sub.map((s) => s.name).join('|');
    if (args.length === 0) throw new UsageError(`missing operation (${ops})`, name);
    if (wantsHelp(args)) return { kind: 'help', text: usage(spec, name) };
    throw new UsageError(`unknown ${name} operation ${args[0]} (${ops})`, name);
  }
  if (wantsHelp(args)) return { kind: 'help', text: usage(spec, name) };
  return { kind: 'run', spec, inv: parseInvocation(spec, name, args) };
}

/** Walks `store get …` down the table; what is left over are the command's own arguments. */
function findCommand(table: readonly CommandSpec[], argv: readonly string[]): { spec: CommandSpec; name: string; args: string[] } {
  const spec = table.find((c) => c.name === argv[0]);
  if (!spec) throw new UsageError(`unknown command ${argv[0]}`);
  const subSpec = spec.sub?.find((s) => s.name === argv[1]);
  if (subSpec) return { spec: subSpec, name: `${spec.name} ${subSpec.name}`, args: argv.slice(2) };
  return { spec, name: spec.name, args: argv.slice(1) };
}

/** `--help`/`-h` anywhere before `--` wins over everything else on the line, mistakes included. */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function parseInvocation(spec: CommandSpec, command: string, args: string[]): Invocation {
  const options = spec.options ?? {};
  const nodeOptions = Object.fromEntries(
    Object.entries({ ...options, help: HELP_OPTION }).map(([k, o]) => [k, { type: o.type, multiple: o.multiple ?? false, ...(o.short ? { short: o.short } : {}) }]),
  );
  // A first lenient pass to name the offending flag ourselves (Node's messages run to several lines).
  const { tokens } = parseArgs({ args, options: nodeOptions, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const o = options[t.name];
    if (!o) throw new UsageError(`unknown option ${t.rawName}`, command);
    if (o.type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-')))) throw new UsageError(`option ${t.rawName} needs a value`, command);
    if (o.type === 'boolean' && t.value !== undefined) throw new UsageError(`option ${t.rawName} takes no value`, command);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: nodeOptions, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(String((e as Error).message).split('\n')[0], command);
  }
  const flags: Record<string, string | number | boolean | string[] | undefined> = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (k === 'help') continue;
    const o = options[k];
    if (o.number && typeof v === 'string') flags[k] = checkNumber(v, o.number, `--${k}`, command);
    else if (o.choices && typeof v === 'string' && !o.choices.includes(v)) throw new UsageError(`--${k} must be ${o.choices.join(' or ')}, not ${JSON.stringify(v)}`, command);
    else flags[k] = v as string | boolean | string[]; // repeatable options here are all strings
  }
  const declared = spec.positionals ?? [];
  const positionals = parsed.positionals;
  const required = declared.filter((p) => !p.optional);
  if (positionals.length < required.length) throw new UsageError(`missing ${required[positionals.length].name}`, command);
  if (positionals.length > declared.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[declared.length])}`, command);
  return { command, flags, positionals };
}

/** A number given as text (a flag, an environment variable), checked against its rule. */
export function checkNumber(text: string, rule: NumberRule, what: string, command?: string): number {
  const n = text.trim() === '' ? NaN : Number(text);
  const kind = rule.integer ? 'a whole number' : 'a number';
  const range = rule.max !== undefined ? ` from ${rule.min ?? 0} to ${rule.max}` : rule.min !== undefined ? ` ≥ ${rule.min}` : '';
  if (!Number.isFinite(n) || (rule.integer && !Number.isInteger(n)) || (rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
    throw new UsageError(`${what} needs ${kind}${range}, not ${JSON.stringify(text)}`, command);
  }
  return n;
}

function optionLabel(name: string, o: OptionSpec): string {
  const long = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : long;
}

/** The `--help` text of one command (or of a group, listing its operations). */
export function usage(spec: CommandSpec, name: string): string {
  const lines: string[] = [];
  if (spec.sub) {
    lines.push(`usage: titan ${name} <operation> …`, '', spec.summary, '');
    for (const s of spec.sub) lines.push(`  titan ${name} ${s.name}${positionalText(s)}`.padEnd(44) + `  ${s.summary}`);
    lines.push('', `Run \`titan ${name} <operation> --help\` for its options.`);
    return lines.join('\n');
  }
  const opts = Object.entries(spec.options ?? {});
  lines.push(`usage: titan ${name}${positionalText(spec)}${opts.length ? ' [options]' : ''}`, '', spec.summary, '', 'options:');
  const rows = [...opts, ['help', HELP_OPTION] as const].map(([k, o]) => {
    const extra = [o.choices ? `one of ${o.choices.join(', ')}` : '', o.defaultText ? `default ${o.defaultText}` : '', o.multiple ? 'repeatable' : ''].filter(Boolean).join('; ');
    return [optionLabel(k, o), extra ? `${o.help} (${extra})` : o.help];
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  for (const [l, h] of rows) lines.push(`  ${l.padEnd(width)}${h}`);
  if (spec.notes) lines.push('', spec.notes);
  return lines.join('\n');
}

function positionalText(spec: CommandSpec): string {
  return (spec.positionals ?? []).map((p) => (p.optional ? ` [${p.name}]` : ` ${p.name}`)).join('');
}

/** `titan --help`: every command with its one-line summary. */
export function programUsage(table: readonly CommandSpec[], footer: string): string {
  const lines = ['titan — Titan Edge command line', '', 'usage: titan <command> [arguments] [options]', '', 'commands:'];
  for (const c of table) {
    if (c.sub) for (const s of c.sub) lines.push(`  ${`${c.name} ${s.name}${positionalText(s)}`.padEnd(30)}${s.summary}`);
    else lines.push(`  ${`${c.name}${positionalText(c)}`.padEnd(30)}${c.summary}`);
  }
  lines.push('', 'Every command takes --help. `titan --version` prints the version.', footer);
  return lines.join('\n');
}
