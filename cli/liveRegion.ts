/**
 * A block of lines at the bottom of a terminal, redrawn in place with ANSI cursor movement; lines
 * printed above it scroll up like ordinary output. Each line must fit the width (no wrapping), or
 * the cursor would not get back to the block's top. No cursor hiding: a Ctrl-C could leave it hidden.
 */

const UP = (n: number) => (n > 0 ? `\x1b[${n}A` : '');
const CLEAR_TO_END = '\x1b[0J';

/**
 * The bytes that replace a block of `drawn` lines (the cursor sits at the start of the line below
 * it) with `above` (printed once, kept) and then the new block.
 */
export function redraw(drawn: number, above: readonly string[], block: readonly string[]): string {
  const body = [...above, ...block].map((l) => `${l}\n`).join('');
  return `\r${UP(drawn)}${CLEAR_TO_END}${body}`;
}

export class LiveRegion {
  private drawn = 0;
  private last = '';

  constructor(private readonly write: (bytes: string) => void) {}

  /** Redraws only when something changed, so a terminal is not repainted four times a second for nothing. */
  update(block: readonly string[], above: readonly string[] = []): void {
    const key = block.join('\n');
    if (!above.length && key === this.last) return;
    this.write(redraw(this.drawn, above, block));
    this.drawn = block.length;
    this.last = key;
  }

  /** Leaves the last block on screen and prints `lines` below it. */
  done(lines: readonly string[]): void {
    this.write(lines.map((l) => `${l}\n`).join(''));
    this.drawn = 0;
  }
}
