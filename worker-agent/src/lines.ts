import { LIMITS } from '../../control-plane/src/contract/common';

/**
 * Splits a text stream into lines. Partial lines are kept until their newline (or `end()`);
 * a line longer than `max` characters is cut into pieces so one runaway line cannot grow
 * the buffer without bound or be refused by the control plane.
 */
export class LineSplitter {
  private buf = '';
  constructor(private readonly max = LIMITS.maxLogLineLength) {}

  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      out.push(...this.cut(stripCr(this.buf.slice(0, nl))));
      this.buf = this.buf.slice(nl + 1);
    }
    while (this.buf.length >= this.max) {
      out.push(this.buf.slice(0, this.max));
      this.buf = this.buf.slice(this.max);
    }
    return out;
  }

  /** The trailing partial line, if any (the stream ended without a newline). */
  end(): string[] {
    const rest = this.buf;
    this.buf = '';
    return rest ? this.cut(stripCr(rest)) : [];
  }

  private cut(line: string): string[] {
    if (line.length <= this.max) return [line];
    const parts: string[] = [];
    for (let i = 0; i < line.length; i += this.max) parts.push(line.slice(i, i + this.max));
    return parts;
  }
}

const stripCr = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);
