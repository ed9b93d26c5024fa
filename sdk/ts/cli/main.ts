import { parseArgs, UsageError } from './args';

const HELP = `titan — Titan Edge command line

  titan up [--state DIR] [--http-port N] [--bridge-port N] [--manifest-port N | --no-manifest] [--agents N] [--capabilities TAGS] [--slots N] [--demo]
  titan agent --url URL --token TOKEN [--capabilities GPU,HIGH_MEM] [--slots N] [--ephemeral] [--name NAME] [--workdir DIR] [--python-zygote on|off]
  titan bridge --url URL --token TOKEN [--host H] [--port N]
  titan submit FILE.yaml [--wait]
  titan status ID | logs ID [-f] | cancel ID | retry ID | stop ID
  titan workers | stats
  titan store get KEY | put KEY VALUE | sadd KEY MEMBER | smembers KEY | keys [PREFIX]
  titan upload FILE [--name NAME]

Without --url/--token, commands use TITAN_URL/TITAN_TOKEN or .titan/cluster.json written by \`titan up\`.`;

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'up':
        return await (await import('./up')).runUp(parseArgs(rest, ['demo', 'verbose', 'no-manifest']));
      case 'agent':
        return await (await import('../../../worker-agent/src/main')).runAgentCli(rest);
      case 'bridge':
        return await (await import('../../../tcp-bridge/src/main')).runBridgeCli(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return;
      default: {
        const { runCommand } = await import('./commands');
        const code = await runCommand(cmd, parseArgs(rest, ['wait', 'f', 'follow', 'json']));
        if (code !== 0) process.exitCode = code;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`titan: ${e.message}`);
      process.exit(2);
    }
    console.error(`titan: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
