/**
 * `titan logs -f` reads the follow stream in chunks as they arrive: this keeps the unfinished rest
 * between chunks; the parsing itself is the contract's (contract/sse.ts, shared with the dashboard).
 */
import { parseSse, type SseEvent } from '../control-plane/src/contract/sse';

export type { SseEvent };

export class SseParser {
  private rest = '';

  push(text: string): SseEvent[] {
    const r = parseSse(this.rest + text);
    this.rest = r.rest;
    return r.events;
  }
}
