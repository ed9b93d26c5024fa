/** TitanStore browser: keys by prefix, and the value or members of the key picked. */
import { memo } from '../changes';
import { byId, closest } from '../dom';
import { html, setHtml } from '../html';
import type { ViewContext, ViewFactory } from '../view';

type Picked = { key: string; kind: string };

export const storeView: ViewFactory = (root, ctx) => {
  setHtml(
    root,
    html`<h2>TitanStore</h2>
      <form id="store-form" class="inline"><label>Key prefix <input id="store-prefix" autocomplete="off" placeholder="e.g. titan:"></label></form>
      <div class="cols"><section><h3>Keys</h3><div id="store-keys" class="scroll keys"></div></section>
      <section><h3 id="store-key-title">Value</h3><div id="store-value"><p class="muted">Pick a key.</p></div></section></div>`,
  );
  const prefix = byId<HTMLInputElement>('store-prefix');
  const changedKeys = memo();
  const changedValue = memo();
  let picked: Picked | null = null;
  byId('store-form').addEventListener('submit', (ev) => (ev.preventDefault(), void ctx.tick()));
  prefix.addEventListener('input', () => void ctx.tick());
  byId('store-keys').addEventListener('click', (ev) => {
    const btn = closest(ev, 'button[data-key]');
    if (!btn) return;
    picked = { key: btn.dataset.key!, kind: btn.dataset.kind! };
    for (const b of document.querySelectorAll('#store-keys button')) b.classList.toggle('picked', b === btn);
    void ctx.tick();
  });
  return {
    async refresh() {
      const { keys } = await ctx.api.call('listKeys', { query: { limit: 500, prefix: prefix.value } });
      if (changedKeys(keys)) {
        setHtml(
          byId('store-keys'),
          keys.length
            ? html`<ul>${keys.map(
                (k) => html`<li><button type="button" class="link${picked?.key === k.key && ' picked'}" data-key="${k.key}" data-kind="${k.kind}">${k.key}</button>
                    <small class="muted">${k.kind} · ${k.size}</small></li>`,
              )}</ul>`
            : html`<p class="muted">No keys with this prefix.</p>`,
        );
      }
      if (picked) await showValue(picked, ctx, changedValue);
    },
  };
};

/** A set's members, or a string's value; drawn again only when it changed. */
async function showValue(p: Picked, { api }: ViewContext, changed: (key: unknown) => boolean): Promise<void> {
  if (p.kind === 'set') {
    const { members } = await api.call('smembers', { query: { key: p.key } });
    if (!changed([p, members])) return;
    byId('store-key-title').textContent = `Set ${p.key} (${members.length} members)`;
    setHtml(
      byId('store-value'),
      members.length ? html`<ul class="members">${members.map((m) => html`<li><code>${m}</code></li>`)}</ul>` : html`<p class="muted">(empty)</p>`,
    );
  } else {
    const { value } = await api.call('kvGet', { query: { key: p.key } });
    if (!changed([p, value])) return;
    byId('store-key-title').textContent = `String ${p.key}`;
    setHtml(byId('store-value'), value === null ? html`<p class="muted">(deleted)</p>` : html`<pre class="value">${value}</pre>`);
  }
}
