/**
 * ANSI escapes in log lines, as styled text segments: SGR colours (16, 256 and 24-bit) and
 * bold/dim/italic/underline/inverse/strike are kept as style; every other escape (cursor moves,
 * erase, OSC titles and links) and control character is dropped, so no raw `\x1b[31m` reaches
 * the page. A carriage return overwrites the line, as a terminal would (progress bars).
 *
 * Our own small parser rather than a library: the ones at hand either leave OSC sequences in the
 * text or emit HTML with `style` attributes, which the dashboard's CSP refuses. Pure, no DOM.
 */

/** A palette index (0–255), or a 24-bit colour as `#rrggbb`. */
export type AnsiColor = number | string;

export interface AnsiStyle {
  readonly fg: AnsiColor | null;
  readonly bg: AnsiColor | null;
  readonly bold: boolean;
  readonly dim: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly inverse: boolean;
  readonly strike: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

export const PLAIN: AnsiStyle = Object.freeze({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false, strike: false });

/**
 * One alternative per kind of token: CSI (ESC [ or the 8-bit 0x9B) with its parameters and final
 * byte; a CSI cut off at the end of the line; OSC up to BEL or ESC \ (or the line's end); any other
 * ESC sequence; a lone ESC; a carriage return; other C0 and C1 control characters (tab is kept).
 */
const TOKEN = /(?:\x1b\[|\x9b)([0-?]*)[ -/]*([@-~])|(?:\x1b\[|\x9b)[0-?]*[ -/]*$|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]|\x1b|(\r)|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** Split one line into styled segments, starting from the style the previous line left. */
export function parseAnsi(line: string, start: AnsiStyle = PLAIN): { segments: AnsiSegment[]; end: AnsiStyle } {
  let style = start;
  let segments: AnsiSegment[] = [];
  let at = 0;
  const push = (text: string) => {
    if (!text) return;
    const last = segments[segments.length - 1];
    if (last && last.style === style) last.text += text;
    else segments.push({ text, style });
  };
  // A trailing CR (a CRLF line) ends the line; it does not wipe it.
  const body = line.endsWith('\r') ? line.replace(/\r+$/, '') : line;
  for (const m of body.matchAll(TOKEN)) {
    push(body.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[3]) segments = []; // carriage return: what follows overwrites the line
    else if (m[2] === 'm') style = applySgr(style, m[1] ?? '');
  }
  push(body.slice(at));
  return { segments, end: style };
}

/** The text of a line as a reader sees it: escapes and control characters gone. */
export function stripAnsi(line: string): string {
  return parseAnsi(line)
    .segments.map((s) => s.text)
    .join('');
}

/** A style after one SGR sequence's parameters (`1;31`, `38;5;208`, `38:2::10:20:30`, or empty for reset). */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const s: { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] } = { ...style };
  const list = params === '' ? ['0'] : params.split(';');
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (p.includes(':')) {
      // ITU form: the colour's parts ride in one parameter (`38:5:208`, `38:2:[space]:r:g:b`).
      const sub = p.split(':').map((x) => Number(x) || 0);
      if (sub[0] === 38 || sub[0] === 48) setColor(s, sub[0], extended(sub.slice(1), sub[1] === 2 && sub.length >= 6));
      else if (sub[0] === 4) s.underline = sub[1] !== 0;
      continue;
    }
    const code = p === '' ? 0 : Number(p);
    if (code === 38 || code === 48) {
      // `38;5;n` takes two more parameters, `38;2;r;g;b` four.
      const kind = Number(list[i + 1]);
      const take = kind === 5 ? 2 : kind === 2 ? 4 : 1;
      setColor(s, code, extended(list.slice(i + 1, i + 1 + take).map((x) => Number(x) || 0), false));
      i += take;
      continue;
    }
    applyCode(s, code);
  }
  return sameStyle(s, style) ? style : s.fg === null && s.bg === null && !s.bold && !s.dim && !s.italic && !s.underline && !s.inverse && !s.strike ? PLAIN : s;
}

/** `[5, n]` or `[2, r, g, b]` (with a colour-space id before r when `spaced`) as a colour; null when malformed. */
function extended(parts: number[], spaced: boolean): AnsiColor | null {
  if (parts[0] === 5) return parts[1] !== undefined && parts[1] >= 0 && parts[1] <= 255 ? parts[1] : null;
  if (parts[0] === 2) {
    const rgb = parts.slice(spaced ? 2 : 1, spaced ? 5 : 4);
    if (rgb.length < 3 || rgb.some((c) => c < 0 || c > 255)) return null;
    return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  }
  return null;
}

function setColor(s: { fg: AnsiColor | null; bg: AnsiColor | null }, code: number, color: AnsiColor | null): void {
  if (color === null) return;
  if (code === 38) s.fg = color;
  else s.bg = color;
}

function applyCode(s: { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] }, code: number): void {
  if (code === 0) Object.assign(s, PLAIN);
  else if (code === 1) s.bold = true;
  else if (code === 2) s.dim = true;
  else if (code === 3) s.italic = true;
  else if (code === 4 || code === 21) s.underline = true;
  else if (code === 7) s.inverse = true;
  else if (code === 9) s.strike = true;
  else if (code === 22) s.bold = s.dim = false;
  else if (code === 23) s.italic = false;
  else if (code === 24) s.underline = false;
  else if (code === 27) s.inverse = false;
  else if (code === 29) s.strike = false;
  else if (code >= 30 && code <= 37) s.fg = code - 30;
  else if (code === 39) s.fg = null;
  else if (code >= 40 && code <= 47) s.bg = code - 40;
  else if (code === 49) s.bg = null;
  else if (code >= 90 && code <= 97) s.fg = code - 90 + 8;
  else if (code >= 100 && code <= 107) s.bg = code - 100 + 8;
  // Blink, fonts, frames and the rest are ignored.
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.dim === b.dim && a.italic === b.italic && a.underline === b.underline && a.inverse === b.inverse && a.strike === b.strike;
}

/** The xterm colour of a palette index from 16 up: a 6×6×6 cube, then 24 greys. (0–15 are themed by CSS classes.) */
export function paletteHex(n: number): string {
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  if (n >= 232) {
    const g = 8 + (n - 232) * 10;
    return `#${hex(g)}${hex(g)}${hex(g)}`;
  }
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  const i = n - 16;
  return `#${hex(level(Math.floor(i / 36)))}${hex(level(Math.floor(i / 6) % 6))}${hex(level(i % 6))}`;
}

/**
 * How a segment is drawn: CSS classes for the 16 themed colours and the text attributes, and an
 * explicit colour for the 256-colour and 24-bit ones (set through the CSSOM, which the CSP allows).
 * Inverse swaps the colours; a default colour swapped in becomes the log's own background or text.
 */
export function segmentLook(style: AnsiStyle): { classes: string[]; color: string | null; background: string | null } {
  const classes: string[] = [];
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) {
    [fg, bg] = [bg, fg];
    if (fg === null) classes.push('ansi-fg-inverse');
    if (bg === null) classes.push('ansi-bg-inverse');
  }
  const pick = (c: AnsiColor | null, layer: 'fg' | 'bg'): string | null => {
    if (c === null) return null;
    if (typeof c === 'number' && c < 16) {
      classes.push(`ansi-${layer}-${c}`);
      return null;
    }
    return typeof c === 'number' ? paletteHex(c) : c;
  };
  const color = pick(fg, 'fg');
  const background = pick(bg, 'bg');
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  if (style.strike) classes.push('ansi-strike');
  return { classes, color, background };
}
