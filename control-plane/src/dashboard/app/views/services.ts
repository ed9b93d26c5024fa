/** Running services (long-lived jobs): where, health, restarts, how they last ended, a Stop button each. */
import { AuthError } from '../api';
import { memo } from '../changes';
import { byId, closest, say } from '../dom';
import { errorText, jobHref } from '../format';
import { html, setHtml } from '../html';
import type { ViewFactory } from '../view';

export const servicesView: ViewFactory = (root, { api, tick }) => {
  setHtml(root, html`<h2>Services</h2><p id="services-result" role="status"></p><div id="services" class="scroll"></div>`);
  const changed = memo();
  root.addEventListener('click', async (ev) => {
    const btn = closest(ev, 'button[data-stop]');
    if (!btn) return;
    const id = btn.dataset.stop!;
    btn.disabled = true;
    try {
      const { job } = await api.call('stopService', { params: { id } });
      say(byId('services-result'), `Stop ${id}: requested — ${job.status}`, true);
    } catch (e) {
      if (!(e instanceof AuthError)) say(byId('services-result'), `Stop ${id} failed: ${errorText(e)}`, false);
    }
    await tick();
  });
  return {
    async refresh() {
      const { services } = await api.call('stats', {});
      if (!changed(services)) return;
      setHtml(
        byId('services'),
        services.length
          ? html`<table><tr><th>Id</th><th>Agent</th><th>Port</th><th>State</th><th>Health</th><th>Restarts</th><th>Last exit</th><th></th></tr>${services.map(
              (s) => html`<tr><td><a href="${jobHref(s.id)}"><code>${s.id}</code></a></td><td>${s.node ?? '–'}</td><td>${s.port || '–'}</td>
                  <td>${s.state}${s.crashLoop ? html` <span class="badge st-FAILED" title="it keeps crashing: see its history and logs">crash loop</span>` : ''}</td>
                  <td${s.health === 'unhealthy' ? html` class="err"` : ''}>${s.health === 'unknown' ? '–' : s.health}</td><td>${s.restarts}</td>
                  <td>${s.lastExit ?? '–'}</td><td><button type="button" data-stop="${s.id}">Stop</button></td></tr>`,
            )}</table>`
          : html`<p class="muted">No service is running.</p>`,
      );
    },
  };
};
