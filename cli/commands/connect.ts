import { otherIdForm } from '../../control-plane/src/contract/jobs';
import { TitanApiError, TitanHttpClient } from '../../sdk/ts/client';
import type { Invocation } from '../args';
import { clientConfig } from '../config';
import { sourcesOf, type System } from '../system';

/** Run a command against the control plane the config points at; API refusals exit 1 with their message. */
export async function withClient(inv: Invocation, sys: System, fn: (client: TitanHttpClient) => Promise<number>): Promise<number> {
  const client = new TitanHttpClient(clientConfig(sourcesOf(inv.flags, sys)));
  try {
    return await fn(client);
  } catch (e) {
    if (e instanceof TitanApiError) {
      console.error(`titan: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await client.close();
  }
}

/** Job ids as users type them: the bridge's `DAG-` prefix is optional everywhere. */
export async function resolveJob(client: TitanHttpClient, id: string) {
  return (await client.findJob(id)) ?? (await client.findJob(otherIdForm(id)));
}

export function notFound(id: string): number {
  console.error(`titan: no job ${id}`);
  return 1;
}

/** `--json`: the API's answer, pretty, as the only thing on stdout. */
export function printJson(value: unknown): number {
  console.log(JSON.stringify(value, null, 2));
  return 0;
}
