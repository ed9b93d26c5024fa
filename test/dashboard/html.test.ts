import { describe, expect, it } from 'vitest';
import { escapeHtml, html, Html, raw } from '../../control-plane/src/dashboard/app/html';

describe('escapeHtml', () => {
  it('leaves no markup behind', () => {
    expect(escapeHtml(`<img src=x onerror="alert('x')">&`)).toBe('&#60;img src=x onerror=&#34;alert(&#39;x&#39;)&#34;&#62;&#38;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(3)).toBe('3');
  });
});

describe('html``', () => {
  const evil = `"><script>alert(1)</script>`;

  it('escapes every interpolated value, in content and in attributes', () => {
    const out = html`<a href="#/jobs/${evil}" title='${evil}'>${evil}</a>`;
    expect(out).toBeInstanceOf(Html);
    expect(out.text).not.toContain('<script>');
    expect(out.text).toBe(`<a href="#/jobs/${escapeHtml(evil)}" title='${escapeHtml(evil)}'>${escapeHtml(evil)}</a>`);
  });

  it('nests templates unescaped, once', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}</p>`.text).toBe('<p><b>&#60;i&#62;</b></p>');
  });

  it('joins arrays, so a .map() of rows needs no join', () => {
    const rows = ['a<', 'b&'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${rows}</ul>`.text).toBe('<ul><li>a&#60;</li><li>b&#38;</li></ul>');
    expect(html`${['<x>', 1]}`.text).toBe('&#60;x&#62;1'); // plain strings in an array are still text
  });

  it('writes nothing for null, undefined and false, and numbers as text', () => {
    expect(html`[${null}${undefined}${false}${0}${''}]`.text).toBe('[0]');
    expect(html`${true && 'yes'}`.text).toBe('yes');
  });

  it('inserts raw() markup as is, and only raw() or html`` markup', () => {
    expect(html`${raw('<hr>')}`.text).toBe('<hr>');
    expect(html`${{ text: '<hr>' }}`.text).toBe('[object Object]'); // a look-alike object is not trusted
    expect(String(html`<b>${'&'}</b>`)).toBe('<b>&#38;</b>');
  });
});
