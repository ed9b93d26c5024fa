// Seeded generators of hostile TITAN_PROTO input: broken framing, and well-framed requests whose
// payloads stress the job-string / DAG grammar, the KV and asset opcodes.
import { encodeFrame } from '../../tcp-bridge/src/codec';
import { OP } from '../../tcp-bridge/src/opcodes';

const KNOWN = Object.values(OP);
const PIECES = ['|', ';', '[', ']', ',', 'DAG-', 'RUN_PAYLOAD', 'RUN_ARCHIVE', 'DEPLOY_PAYLOAD', 'START_ARCHIVE_SERVICE', 'x.zip/', '..', '../', '/', '\\', 'é', '漢', '🚀', '\n', '\0', '=', 'AFFINITY', '-1', '0', '99999999999', 'AAAA', 'cHJpbnQoMSk=', 'GPU', ' '];
const KIND_BODIES = ['RUN_PAYLOAD|job.py|a b|cHJpbnQoMSk=|GENERAL', 'DEPLOY_PAYLOAD|s.py|cHJpbnQoMSk=|8080', 'RUN_ARCHIVE|p.zip/main.py|', 'START_ARCHIVE_SERVICE|p.zip/s.py||9000|GPU'];

export interface FuzzCase {
  kind: 'bytes' | 'frames' | 'mutated' | 'grammar';
  bytes: Buffer;
  halfClose: boolean;
}

export function fuzzCase(r: () => number): FuzzCase {
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const text = (n = 12) => Array.from({ length: int(n) }, () => (r() < 0.6 ? pick(PIECES) : String.fromCharCode(32 + int(90)))).join('');
  const opcode = () => (r() < 0.7 ? pick(KNOWN) : int(256));
  const halfClose = r() < 0.9;
  switch (int(5)) {
    case 0:
      return { kind: 'bytes', bytes: Buffer.from(Array.from({ length: int(40) }, () => int(256))), halfClose };
    case 1:
      return { kind: 'frames', bytes: Buffer.concat(Array.from({ length: 1 + int(3) }, () => encodeFrame(opcode(), text()))), halfClose };
    case 2: {
      let bytes = Buffer.concat(Array.from({ length: 1 + int(3) }, () => encodeFrame(opcode(), text())));
      for (let k = 0; k < 1 + int(3); k++) {
        const m = int(4);
        if (m === 0 && bytes.length) bytes[int(bytes.length)]! ^= 1 << int(8);
        if (m === 1) bytes = bytes.subarray(0, int(bytes.length + 1));
        if (m === 2 && bytes.length >= 8) bytes.writeUInt32BE(r() < 0.5 ? int(64) : int(2 ** 32), 4);
        if (m === 3) bytes = Buffer.concat([bytes, Buffer.from([int(256), int(256)])]);
      }
      return { kind: 'mutated', bytes, halfClose };
    }
    default: {
      // Grammar: job strings built from real pieces, then mangled (fields dropped, doubled, swapped).
      const jobString = () => {
        const fields = [`j${int(50)}`, ...pick(KIND_BODIES).split('|'), String(int(20) - 5), String(int(3) - 1)];
        for (let k = 0; k < int(3); k++) {
          const m = int(5);
          const at = int(fields.length);
          if (m === 0) fields.splice(at, 1);
          if (m === 1) fields.splice(at, 0, text(4));
          if (m === 2) fields[at] = text(6);
          if (m === 3) fields[at] = fields[at]!.replace(/[a-z]/, pick(['..', '/', '\\', '\0', '|']));
        }
        const parents = `[${Array.from({ length: int(3) }, () => (r() < 0.7 ? `j${int(50)}` : text(3))).join(',')}]`;
        return `${fields.join('|')}|${r() < 0.9 ? parents : text(3)}${r() < 0.2 ? '|AFFINITY' : ''}`;
      };
      const op = pick([OP.SUBMIT_DAG, OP.SUBMIT_DAG, OP.SUBMIT_JOB, OP.RUN, OP.DEPLOY, OP.KV_SET, OP.KV_SADD, OP.UPLOAD_ASSET, OP.DEPLOY_SCRIPT, OP.FETCH_ASSET, OP.GET_JOB_STATUS, OP.CANCEL_JOB]);
      let payload: string;
      if (op === OP.SUBMIT_DAG) payload = Array.from({ length: 1 + int(4) }, jobString).join(r() < 0.8 ? ';' : text(2));
      else if (op === OP.KV_SET || op === OP.KV_SADD) payload = r() < 0.3 ? `${'k'.repeat(1025 + int(50))}|v` : text(8);
      else if (op === OP.UPLOAD_ASSET || op === OP.DEPLOY_SCRIPT) payload = `${pick(['../x', '..', '/etc/passwd', 'a\\b', 'x\0y', '%2e%2e', 'a/b', '', '.'])}|${r() < 0.5 ? 'cHJpbnQoMSk=' : text(4)}`;
      else payload = r() < 0.5 ? jobString() : text(16);
      return { kind: 'grammar', bytes: encodeFrame(op, payload), halfClose };
    }
  }
}
