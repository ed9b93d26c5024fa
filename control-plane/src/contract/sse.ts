/**
 * The log follow stream's framing (`GET /v1/jobs/{id}/logs/stream`): server-sent events, parsed
 * the same way by every reader (the dashboard in the browser, `titan logs -f`).
 */
export interface SseEvent {
  /** `message` when the event names no type. */
  event: string;
  data: string;
  id: string | null;
}

/**
 * Split a server-sent-events buffer into complete events and the unfinished rest (the next
 * network chunk continues it). Comments (`: keep-alive`) are dropped; multi-line data is joined;
 * CRLF and LF both end lines, even when a chunk ends between the two.
 */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  // A trailing CR may be half of a CRLF: keep it for the next chunk rather than read it as a line end.
  const cut = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
  const blocks = buffer.slice(0, cut).replace(/\r\n?/g, '\n').split('\n\n');
  const rest = (blocks.pop() ?? '') + buffer.slice(cut);
  const events: SseEvent[] = [];
  for (const block of blocks) {
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length) events.push({ event, data: data.join('\n'), id });
  }
  return { events, rest };
}
