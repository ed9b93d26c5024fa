/** The `titan` program: parse the command line against the table, then run one command. */
import { readFileSync } from 'node:fs';
import { parseCommandLine, programUsage, UsageError } from './args';
import { COMMANDS, PROGRAM_FOOTER } from './commandTable';
import { realSystem } from './system';

function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** `titan logs X | head`: the reader left, so there is nobody to tell; stop quietly. */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  let command: string | undefined;
  try {
    const parsed = parseCommandLine(COMMANDS, argv, programUsage(COMMANDS, PROGRAM_FOOTER));
    if (parsed.kind === 'help') return console.log(parsed.text);
    if (parsed.kind === 'version') return console.log(version());
    command = parsed.inv.command;
    const code = await parsed.spec.run!(parsed.inv, realSystem());
    // A service's clients and timers may linger after it stopped; it has nothing left to say.
    if (parsed.spec.service) process.exit(code);
    if (code !== 0) process.exitCode = code;
  } catch (e) {
    const name = (e instanceof UsageError && e.command) || command;
    const who = name ? `titan ${name}` : 'titan';
    if (e instanceof UsageError) {
      console.error(`${who}: ${e.message}`);
      console.error(`(see \`${who} --help\`)`);
      process.exit(2);
    }
    console.error(`${who}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
