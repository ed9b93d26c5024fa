import { describe, expect, it } from 'vitest';
import { applySgr, paletteHex, parseAnsi, PLAIN, segmentLook, stripAnsi } from '../../control-plane/src/dashboard/app/ansi';

/** Segments as [text, fg, bg, bold] for compact expectations. */
const brief = (line: string) => parseAnsi(line).segments.map((s) => [s.text, s.style.fg, s.style.bg, s.style.bold]);

describe('parseAnsi', () => {
  it('turns SGR colours and bold into styles and leaves no escape in the text', () => {
    expect(brief('\x1b[31mred\x1b[0m plain \x1b[1;32mbold green\x1b[39m still bold\x1b[22m end')).toEqual([
      ['red', 1, null, false],
      [' plain ', null, null, false],
      ['bold green', 2, null, true],
      [' still bold', null, null, true],
      [' end', null, null, false],
    ]);
  });

  it('reads bright, 256-colour and 24-bit colours, in both ; and : forms', () => {
    expect(brief('\x1b[91ma\x1b[104mb')).toEqual([
      ['a', 9, null, false],
      ['b', 9, 12, false],
    ]);
    expect(brief('\x1b[38;5;208mo\x1b[48;2;10;20;30mt')).toEqual([
      ['o', 208, null, false],
      ['t', 208, '#0a141e', false],
    ]);
    expect(brief('\x1b[38:5:208mo\x1b[0;38:2::255:0:16mt\x1b[38:2:1:2:3mu')).toEqual([
      ['o', 208, null, false],
      ['t', '#ff0010', null, false],
      ['u', '#010203', null, false],
    ]);
  });

  it('ignores malformed colour parameters instead of inventing a colour', () => {
    expect(brief('\x1b[38;5;999mx\x1b[38;2;1;2mz')).toEqual([['xz', null, null, false]]);
  });

  it('drops cursor moves, erases, OSC titles and links, charset switches and control characters', () => {
    const line = '\x1b[2K\x1b[1Gstart \x1b]0;window title\x07a\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\ \x1b(Bb\x07\x00c\x1b[?25l\td\x7f\x9b1me';
    expect(stripAnsi(line)).toBe('start alink bc\tde');
    expect(stripAnsi(line)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('drops an escape cut off at the end of the line, and a lone ESC', () => {
    expect(stripAnsi('half \x1b[3')).toBe('half ');
    expect(stripAnsi('end\x1b')).toBe('end');
    expect(stripAnsi('osc \x1b]0;never ended')).toBe('osc ');
  });

  it('lets a carriage return overwrite the line (progress bars), but not a CRLF ending', () => {
    expect(stripAnsi(' 10%|#   |\r 50%|##  |\r100%|####|')).toBe('100%|####|');
    expect(stripAnsi('windows line\r\n'.replace('\n', ''))).toBe('windows line');
    // The colour set before the CR still holds after it.
    const { segments } = parseAnsi('\x1b[32mwait\rdone');
    expect(segments).toEqual([{ text: 'done', style: expect.objectContaining({ fg: 2 }) }]);
  });

  it('carries the style from one line to the next, as a terminal does', () => {
    const first = parseAnsi('\x1b[33mwarning begins');
    const second = parseAnsi('still yellow\x1b[0m plain', first.end);
    expect(second.segments.map((s) => [s.text, s.style.fg])).toEqual([
      ['still yellow', 3],
      [' plain', null],
    ]);
    expect(second.end).toBe(PLAIN);
  });

  it('keeps markup as text: escaping is the renderer’s job, not stripped here', () => {
    expect(stripAnsi('<img src=x onerror=alert(1)>&amp;')).toBe('<img src=x onerror=alert(1)>&amp;');
  });
});

describe('applySgr', () => {
  it('turns attributes on and off', () => {
    let s = applySgr(PLAIN, '1;2;3;4;7;9');
    expect(s).toMatchObject({ bold: true, dim: true, italic: true, underline: true, inverse: true, strike: true });
    s = applySgr(s, '22;23;24;27;29');
    expect(s).toBe(PLAIN);
    expect(applySgr(applySgr(PLAIN, '4:3'), '4:0').underline).toBe(false);
  });

  it('resets on an empty parameter list and on 0', () => {
    expect(applySgr(applySgr(PLAIN, '31;44'), '')).toBe(PLAIN);
    expect(applySgr(applySgr(PLAIN, '31;44'), '0')).toBe(PLAIN);
    expect(applySgr(applySgr(PLAIN, '31;44'), '39;49')).toBe(PLAIN);
  });

  it('returns the same object when nothing changed (segments merge)', () => {
    const red = applySgr(PLAIN, '31');
    expect(applySgr(red, '31')).toBe(red);
    expect(parseAnsi('\x1b[31ma\x1b[31mb').segments).toHaveLength(1);
  });
});

describe('paletteHex and segmentLook', () => {
  it('maps the xterm 256-colour cube and grey ramp', () => {
    expect(paletteHex(16)).toBe('#000000');
    expect(paletteHex(208)).toBe('#ff8700');
    expect(paletteHex(231)).toBe('#ffffff');
    expect(paletteHex(232)).toBe('#080808');
    expect(paletteHex(255)).toBe('#eeeeee');
  });

  it('uses classes for the 16 themed colours and explicit colours beyond', () => {
    expect(segmentLook(applySgr(PLAIN, '1;31;42'))).toEqual({ classes: ['ansi-fg-1', 'ansi-bg-2', 'ansi-bold'], color: null, background: null });
    expect(segmentLook(applySgr(PLAIN, '38;5;208;48;2;1;2;3'))).toEqual({ classes: [], color: '#ff8700', background: '#010203' });
  });

  it('swaps colours for inverse, falling back to the log’s own colours', () => {
    expect(segmentLook(applySgr(PLAIN, '7'))).toEqual({ classes: ['ansi-fg-inverse', 'ansi-bg-inverse'], color: null, background: null });
    expect(segmentLook(applySgr(PLAIN, '7;31'))).toEqual({ classes: ['ansi-fg-inverse', 'ansi-bg-1'], color: null, background: null });
  });
});
