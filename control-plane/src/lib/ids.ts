/** Random ids for jobs, DAGs, agents and leases: lower-case base-36, safe in URLs and the wire grammar. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function randomId(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let s = '';
  for (const b of bytes) s += ALPHABET[b % 36];
  return s;
}
