/**
 * Request bodies read under a limit. A declared content-length over the limit is refused before
 * reading; a chunked body (or one that lies about its length) is counted while it streams and
 * abandoned as soon as it passes the limit, so an oversize body is never held whole in memory.
 */
export async function readLimited(req: Request, limit: number): Promise<Uint8Array | 'too_large'> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return 'too_large';
  if (!req.body) return new Uint8Array(0);
  // A declared length is the HTTP framing itself: the runtime reads no more than that, so the
  // body can be taken whole (the common, faster case). Only a chunked body is counted as it comes.
  if (declared !== null) return new Uint8Array(await req.arrayBuffer());
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return 'too_large';
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
