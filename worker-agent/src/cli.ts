// Standalone entry: `tsx worker-agent/src/cli.ts --url … --token …` (what `titan agent` runs).
import { runAgentCli } from './main';

runAgentCli(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`titan agent: ${err.message}`);
    process.exit(2);
  },
);
