import type { Invocation } from '../args';
import type { System } from '../system';
import { withClient } from './connect';

type Op = 'get' | 'put' | 'sadd' | 'smembers' | 'keys';

/** `titan store get|put|sadd|smembers|keys`: the TitanStore data bus from a shell. */
export function runStore(op: Op) {
  return (inv: Invocation, sys: System): Promise<number> =>
    withClient(inv, sys, async (client) => {
      const [key, value] = inv.positionals;
      switch (op) {
        case 'keys':
          for (const k of (await client.listKeys(key ?? '')).keys) console.log(`${k.kind === 'set' ? 'set   ' : 'string'}  ${k.key}  (${k.size})`);
          return 0;
        case 'get': {
          const v = await client.kvGet(key);
          if (v === null) return console.error(`titan: no key ${key}`), 1;
          process.stdout.write(v + '\n');
          return 0;
        }
        case 'put':
          await client.kvPut(key, value);
          console.log('OK');
          return 0;
        case 'sadd':
          console.log(await client.sadd(key, value));
          return 0;
        case 'smembers':
          for (const m of await client.smembers(key)) console.log(m);
          return 0;
      }
    });
}
