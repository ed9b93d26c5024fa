/**
 * The dashboard's browser program. It never runs in the Worker: app.js.ts serves its source
 * (`dashboardClient.toString()`) and calls it with the pure helpers of layout.ts. So this
 * function must be self-contained: it may use only its parameter, browser globals and
 * type-only imports (erased at build time).
 *
 * Security: every string that comes from the API (job ids, log lines, store keys and values)
 * goes through `esc` before it is put into HTML, or is set with textContent. The page is also
 * served with a strict Content-Security-Policy (no inline script).
 */
import type { AgentView } from '../contract/agents';
import type { DagView, JobView } from '../contract/jobs';
import type { LogLine } from '../contract/logs';
import type { StatsResponse } from '../contract/stats';
import type * as Layout from './layout';

type Helpers = Pick<
  typeof Layout,
  'longestPathLayers' | 'placeNodes' | 'edgePath' | 'statusColor' | 'formatDuration' | 'jobDurationMs' | 'formatAgo' | 'parseSse' | 'escapeHtml' | 'isOpenGate'
>;

interface View {
  refresh(): Promise<void>;
  dispose?(): void;
}

export function dashboardClient(L: Helpers): void {
  const TOKEN_KEY = 'titan.clientToken';
  const POLL_MS = 1000;
  const MAX_LOG_LINES = 10_000;
  const HITL_PREFIX = 'titan:hitl:status:';
  const STATES = ['PENDING', 'QUEUED', 'RUNNING', 'FAILED', 'DEAD', 'COMPLETED', 'CANCELLED'];
  const TERMINAL = ['COMPLETED', 'DEAD', 'CANCELLED'];
  const esc = L.escapeHtml;
  // `as unknown`: the Worker's type library also declares DOM-like names that confuse direct casts.
  const byId = <T = HTMLElement>(id: string) => document.getElementById(id) as unknown as T;
  const jobHref = (id: string) => `#/jobs/${encodeURIComponent(id)}`;
  const dagHref = (id: string) => `#/dags/${encodeURIComponent(id)}`;
  const time = (ts: number | null) => (ts === null ? '–' : new Date(ts).toLocaleString());
  const badge = (status: string) => `<span class="badge st-${esc(status)}">${esc(status)}</span>`;

  let token = localStorage.getItem(TOKEN_KEY) ?? '';
  let authed = false;
  let current: View | null = null;

  class AuthError extends Error {}

  // A token in the address bar is taken once, then removed so it is not left in history or
  // copied along with a link.
  const here = new URL(location.href);
  const fromUrl = here.searchParams.get('token');
  if (fromUrl !== null) {
    if (fromUrl) {
      token = fromUrl;
      localStorage.setItem(TOKEN_KEY, token);
    }
    here.searchParams.delete('token');
    history.replaceState(null, '', here.pathname + here.search + here.hash);
  }

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (res.status === 401) {
      signOut('The control plane no longer accepts this token. Sign in again.');
      throw new AuthError('unauthorized');
    }
    if (!res.ok) throw new Error(data?.error?.message ?? `HTTP ${res.status}`);
    return data as T;
  }
  const get = <T>(path: string) => api<T>('GET', path);

  // ---------- sign-in ----------

  /** Ask who the token is: 401 means wrong token, an agent token is refused too (it cannot steer). */
  async function checkToken(t: string): Promise<'ok' | 'bad' | 'agent' | 'down'> {
    try {
      const res = await fetch('/v1/whoami', { headers: { authorization: `Bearer ${t}` } });
      if (res.ok) return ((await res.json()) as { role: string }).role === 'client' ? 'ok' : 'agent';
      return res.status === 401 || res.status === 403 ? 'bad' : 'down';
    } catch {
      return 'down';
    }
  }

  function showLogin(message: string): void {
    authed = false;
    byId('app').hidden = true;
    byId('login').hidden = false;
    const err = byId('login-error');
    err.textContent = message;
    err.hidden = !message;
    byId<HTMLInputElement>('token-input').focus();
  }

  function signOut(message: string): void {
    token = '';
    localStorage.removeItem(TOKEN_KEY);
    current?.dispose?.();
    current = null;
    showLogin(message);
  }

  function showApp(): void {
    authed = true;
    byId('login').hidden = true;
    byId('app').hidden = false;
    route();
  }

  async function signIn(t: string): Promise<void> {
    const verdict = await checkToken(t);
    if (verdict === 'ok') {
      token = t;
      localStorage.setItem(TOKEN_KEY, t);
      showApp();
    } else if (verdict === 'bad') {
      signOut('Wrong token: the control plane refused it (401). Use the client token from .titan/cluster.json.');
    } else if (verdict === 'agent') {
      signOut('Wrong token: that is an agent token; the dashboard needs the client token from .titan/cluster.json.');
    } else {
      showLogin('The control plane is not reachable right now. Try again in a moment.');
    }
  }

  byId('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = byId<HTMLInputElement>('token-input');
    void signIn(input.value.trim());
    input.value = '';
  });
  byId('logout-btn').addEventListener('click', () => signOut(''));

  // ---------- routing and polling ----------

  function route(): void {
    if (!authed) return;
    current?.dispose?.();
    const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    const section = parts[0] ?? '';
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.section === section);
    const root = document.createElement('div');
    byId('view').replaceChildren(root);
    byId('view-error').hidden = true;
    if (section === 'dags' && parts[1]) current = dagView(root, parts[1]);
    else if (section === 'dags') current = dagListView(root);
    else if (section === 'jobs' && parts[1]) current = jobView(root, parts[1]);
    else if (section === 'jobs') current = jobListView(root);
    else if (section === 'services') current = servicesView(root);
    else if (section === 'store') current = storeView(root);
    else if (section === 'approvals') current = approvalsView(root);
    else current = clusterView(root);
    void tick();
  }

  let busy = false;
  let again = false; // a tick asked for while one runs (a route change, a click) runs right after it
  async function tick(): Promise<void> {
    if (!authed || !current) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    const view = current;
    const conn = byId('conn');
    const problem = byId('view-error');
    try {
      await view.refresh();
      if (view !== current) return; // the user moved on meanwhile; the next view reports for itself
      conn.textContent = 'live';
      conn.className = 'conn ok';
      problem.hidden = true;
    } catch (e) {
      if (!(e instanceof AuthError) && view === current) {
        const offline = e instanceof TypeError; // fetch itself failed: the control plane is unreachable
        conn.textContent = offline ? 'offline' : 'error';
        conn.className = 'conn bad';
        problem.textContent = offline ? 'The control plane is not reachable; retrying every second.' : e instanceof Error ? e.message : String(e);
        problem.hidden = false;
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        void tick();
      }
    }
  }

  /** Remembers the last rendered data, so a poll that brings nothing new leaves the DOM alone. */
  function memo(): (key: unknown) => boolean {
    let last = '';
    return (key) => {
      const k = JSON.stringify(key);
      if (k === last) return false;
      last = k;
      return true;
    };
  }
  /** While something runs its clock moves: fold the current second into the memo key. */
  const clock = (jobs: { status: string }[]) => (jobs.some((j) => j.status === 'RUNNING') ? Math.floor(Date.now() / 1000) : 0);

  function say(el: HTMLElement, text: string, ok: boolean): void {
    el.textContent = text;
    el.className = `result ${ok ? 'ok' : 'bad'}`;
  }

  // ---------- views ----------

  function clusterView(root: HTMLElement): View {
    root.innerHTML = `<h2>Cluster</h2><div id="counts" class="cards"></div>
      <div class="cols"><section><h3>Queue by capability</h3><div id="queue"></div></section></div>
      <section><h3>Agents</h3><div id="agents" class="scroll"></div></section>`;
    const changed = memo();
    return {
      async refresh() {
        const s = await get<StatsResponse>('/v1/stats');
        const now = Date.now();
        if (!changed([s, Math.floor(now / 1000)])) return;
        byId('counts').innerHTML =
          `<div class="card"><b>${esc(s.activeAgents)}</b><span>active agents</span></div>` +
          `<div class="card"><b>${esc(s.queueDepth)}</b><span>queued</span></div>` +
          STATES.map((st) => `<div class="card st-${esc(st)}-card"><b>${esc(s.counts[st as keyof typeof s.counts] ?? 0)}</b><span>${esc(st)}</span></div>`).join('');
        const q = Object.entries(s.queueByRequirement);
        byId('queue').innerHTML = q.length
          ? `<table><tr><th>Capability</th><th>Queued</th></tr>${q.map(([k, n]) => `<tr><td>${esc(k)}</td><td>${esc(n)}</td></tr>`).join('')}</table>`
          : '<p class="muted">Nothing queued.</p>';
        byId('agents').innerHTML = s.agents.length
          ? `<table><tr><th>Name</th><th>Capabilities</th><th>Slots</th><th>Load</th><th>Alive</th><th>Last seen</th></tr>${s.agents.map((a) => agentRow(a, now)).join('')}</table>`
          : '<p class="muted">No agents registered. Start one with <code>titan agent</code>.</p>';
      },
    };
  }

  function agentRow(a: AgentView, now: number): string {
    const pct = a.slots ? Math.round((100 * a.running) / a.slots) : 0;
    return `<tr class="agent" data-agent-id="${esc(a.id)}">
      <td><b>${esc(a.name)}</b><br><small class="muted">${esc(a.id)}${a.ephemeral ? ' · ephemeral' : ''}</small></td>
      <td>${a.capabilities.map((c) => `<span class="tag">${esc(c)}</span>`).join(' ')}</td>
      <td>${esc(a.slots)}</td>
      <td><progress max="${esc(a.slots)}" value="${esc(a.running)}"></progress> ${esc(a.running)}/${esc(a.slots)} <small class="muted">(${esc(pct)}%)</small></td>
      <td>${a.alive ? '<span class="badge st-COMPLETED">alive</span>' : '<span class="badge st-FAILED">silent</span>'}</td>
      <td title="${esc(time(a.lastSeen))}">${esc(L.formatAgo(a.lastSeen, now))}</td></tr>`;
  }

  function countsChips(counts: Record<string, number>): string {
    return Object.entries(counts)
      .map(([st, n]) => `<span class="badge st-${esc(st)}">${esc(st)} ${esc(n)}</span>`)
      .join(' ');
  }

  function dagListView(root: HTMLElement): View {
    root.innerHTML = `<h2>DAG runs</h2><div id="dag-list" class="scroll"></div>`;
    const changed = memo();
    return {
      async refresh() {
        const { dags } = await get<{ dags: { id: string; name: string | null; createdAt: number; counts: Record<string, number> }[] }>('/v1/dags');
        const now = Date.now();
        if (!changed([dags, Math.floor(now / 10_000)])) return;
        byId('dag-list').innerHTML = dags.length
          ? `<table><tr><th>Name</th><th>Id</th><th>Submitted</th><th>Jobs</th></tr>${dags
              .map(
                (d) => `<tr><td><a class="dag-link" href="${esc(dagHref(d.id))}">${esc(d.name ?? '(unnamed)')}</a></td><td><code>${esc(d.id)}</code></td>
                  <td title="${esc(time(d.createdAt))}">${esc(L.formatAgo(d.createdAt, now))}</td><td>${countsChips(d.counts)}</td></tr>`,
              )
              .join('')}</table>`
          : '<p class="muted">No DAG has been submitted yet.</p>';
      },
    };
  }

  function dagView(root: HTMLElement, dagId: string): View {
    root.innerHTML = `<h2>DAG <span id="dag-title"></span></h2><p id="dag-summary"></p>
      <div class="graph-wrap"><div id="dag-graph"></div></div>
      <p class="legend">${['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'].map(badge).join(' ')} · click a node for its job page</p>`;
    const changed = memo();
    const box = { w: 190, h: 60, gapX: 56, gapY: 16, pad: 12 };
    return {
      async refresh() {
        const dag = await get<DagView>(`/v1/dags/${encodeURIComponent(dagId)}`);
        const now = Date.now();
        if (!changed([dag, clock(dag.jobs)])) return;
        byId('dag-title').innerHTML = `${esc(dag.name ?? '')} <code>${esc(dag.id)}</code>`;
        const counts: Record<string, number> = {};
        for (const j of dag.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
        const starts = dag.jobs.map((j) => j.startedAt).filter((t): t is number => t !== null);
        const ends = dag.jobs.map((j) => j.finishedAt);
        const done = ends.every((t) => t !== null);
        const span = starts.length ? (done ? Math.max(...(ends as number[])) : now) - Math.min(...starts) : null;
        byId('dag-summary').innerHTML = `${countsChips(counts)} · submitted ${esc(time(dag.createdAt))} · wall time ${esc(L.formatDuration(span))}`;
        byId('dag-graph').innerHTML = dagSvg(dag, box, now);
      },
    };
  }

  function dagSvg(dag: DagView, box: { w: number; h: number; gapX: number; gapY: number; pad: number }, now: number): string {
    const ids = dag.jobs.map((j) => j.id);
    const { pos, width, height } = L.placeNodes(L.longestPathLayers(ids, dag.edges), dag.edges, box);
    const edges = dag.edges
      .filter(([p, c]) => pos.has(p) && pos.has(c))
      .map(([p, c]) => `<path class="edge" d="${esc(L.edgePath(pos.get(p)!, pos.get(c)!, box.w, box.h))}" marker-end="url(#arrow)"/>`)
      .join('');
    const nodes = dag.jobs
      .map((j) => {
        const at = pos.get(j.id)!;
        const color = L.statusColor(j.status);
        const label = j.id.length > 24 ? `${j.id.slice(0, 23)}…` : j.id;
        const tries = `try ${j.attempts}/${j.maxRetries + 1}`;
        return `<a href="${esc(jobHref(j.id))}"><g class="node" data-job-id="${esc(j.id)}" data-status="${esc(j.status)}" transform="translate(${at.x},${at.y})">
          <title>${esc(j.id)} — ${esc(j.status)} (${esc(j.state)})</title>
          <rect width="${box.w}" height="${box.h}" rx="8" fill="${esc(color.fill)}"/>
          <text x="10" y="20" fill="${esc(color.text)}" class="node-id">${esc(label)}</text>
          <text x="10" y="38" fill="${esc(color.text)}">${esc(j.status)} · ${esc(L.formatDuration(L.jobDurationMs(j, now)))}</text>
          <text x="10" y="53" fill="${esc(color.text)}" class="small">${esc(tries)}${j.node ? ` · ${esc(j.node)}` : ''}</text></g></a>`;
      })
      .join('');
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="DAG graph">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>
      ${edges}${nodes}</svg>`;
  }

  function jobListView(root: HTMLElement): View {
    root.innerHTML = `<h2>Jobs</h2><label>State <select id="job-filter"><option value="">all</option>${STATES.map((s) => `<option>${esc(s)}</option>`).join('')}</select></label>
      <div id="job-list" class="scroll"></div>`;
    const filter = byId<HTMLSelectElement>('job-filter');
    const changed = memo();
    const view: View = {
      async refresh() {
        const q = filter.value ? `&state=${encodeURIComponent(filter.value)}` : '';
        const { jobs } = await get<{ jobs: JobView[] }>(`/v1/jobs?limit=200${q}`);
        const now = Date.now();
        if (!changed([jobs, q, clock(jobs)])) return;
        byId('job-list').innerHTML = jobs.length ? jobTable(jobs, now) : '<p class="muted">No jobs.</p>';
      },
    };
    filter.addEventListener('change', () => void tick());
    return view;
  }

  function jobTable(jobs: JobView[], now: number): string {
    return `<table><tr><th>Id</th><th>Status</th><th>Type</th><th>Needs</th><th>DAG</th><th>Tries</th><th>Duration</th><th>Submitted</th></tr>${jobs
      .map(
        (j) => `<tr><td><a href="${esc(jobHref(j.id))}"><code>${esc(j.id)}</code></a></td><td>${badge(j.status)}</td><td>${esc(j.type)}</td>
          <td>${esc(j.requirement)}</td><td>${j.dag ? `<a href="${esc(dagHref(j.dag))}">${esc(j.dag)}</a>` : '–'}</td><td>${esc(j.attempts)}</td>
          <td>${esc(L.formatDuration(L.jobDurationMs(j, now)))}</td><td>${esc(L.formatAgo(j.createdAt, now))}</td></tr>`,
      )
      .join('')}</table>`;
  }

  function jobView(root: HTMLElement, jobId: string): View {
    root.innerHTML = `<h2>Job <code>${esc(jobId)}</code> <span id="job-status" class="badge"></span></h2>
      <div class="actions"><button id="cancel-btn" type="button">Cancel</button><button id="retry-btn" type="button">Retry</button>
        <button id="stop-btn" type="button" hidden>Stop service</button><span id="action-result" role="status"></span></div>
      <div class="cols"><section><h3>Fields</h3><dl id="job-fields"></dl></section><section><h3>Status history</h3><ol id="job-history"></ol></section></div>
      <h3>Log <label class="follow"><input type="checkbox" id="follow" checked> follow</label> <small id="log-state" class="muted"></small></h3>
      <pre id="log-tail" tabindex="0"></pre>`;
    const statusEl = byId('job-status');
    const logEl = byId('log-tail');
    const follow = byId<HTMLInputElement>('follow');
    const result = byId('action-result');
    const changed = memo();
    let streamRun = 0; // the run whose log is being followed
    let lastSeq = 0;
    let stream: AbortController | null = null;

    function appendLines(lines: { stream: string; text: string }[]): void {
      const frag = document.createDocumentFragment();
      for (const l of lines) {
        const span = document.createElement('span');
        span.className = `ln ${l.stream}`;
        span.textContent = `${l.text}\n`; // textContent: log lines are user data, never HTML
        frag.append(span);
      }
      logEl.appendChild(frag);
      while (logEl.childElementCount > MAX_LOG_LINES) logEl.firstElementChild!.remove();
      if (follow.checked) logEl.scrollTop = logEl.scrollHeight;
    }

    /** Follow one run's log over SSE; reconnect from the last line seen until told to stop. */
    async function followRun(run: number, signal: AbortSignal): Promise<void> {
      const logState = byId('log-state');
      while (!signal.aborted) {
        try {
          // EventSource cannot send an Authorization header, hence fetch + a stream reader.
          const res = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/logs/stream?run=${run}&after=${lastSeq}`, {
            headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
            signal,
          });
          if (res.status === 401) return signOut('The control plane no longer accepts this token. Sign in again.');
          if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
          logState.textContent = `run ${run} · live`;
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          let buf = '';
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            const parsed = L.parseSse(buf + decoder.decode(value, { stream: true }));
            buf = parsed.rest;
            const fresh: LogLine[] = [];
            let ended: string | null = null;
            for (const ev of parsed.events) {
              if (ev.event === 'end') ended = (JSON.parse(ev.data) as { status: string }).status;
              if (ev.event !== 'message') continue;
              const line = JSON.parse(ev.data) as LogLine;
              if (line.seq <= lastSeq) continue; // a reconnect may resend what we have
              lastSeq = line.seq;
              fresh.push(line);
            }
            if (fresh.length) appendLines(fresh);
            if (ended) {
              // The server closes the stream once the run is over: nothing more will come.
              logState.textContent = `run ${run} · ended (${ended})`;
              return;
            }
          }
        } catch (e) {
          if (signal.aborted) return;
          logState.textContent = `run ${run} · reconnecting (${e instanceof Error ? e.message : String(e)})`;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }

    function startStream(run: number): void {
      stream?.abort();
      if (streamRun && run !== streamRun) appendLines([{ stream: 'system', text: `──── run ${run} ────` }]);
      streamRun = run;
      lastSeq = 0;
      stream = new AbortController();
      void followRun(run, stream.signal);
    }

    async function act(verb: 'cancel' | 'retry' | 'stop', label: string): Promise<void> {
      say(result, `${label}…`, true);
      try {
        const { job } = await api<{ job: JobView }>('POST', `/v1/jobs/${encodeURIComponent(jobId)}/${verb}`);
        say(result, `${label}: done — job is ${job.status}${job.state !== job.status ? ` (${job.state})` : ''}`, true);
      } catch (e) {
        if (!(e instanceof AuthError)) say(result, `${label} failed: ${e instanceof Error ? e.message : String(e)}`, false);
      }
      await tick();
    }
    byId('cancel-btn').addEventListener('click', () => void act('cancel', 'Cancel'));
    byId('retry-btn').addEventListener('click', () => void act('retry', 'Retry'));
    byId('stop-btn').addEventListener('click', () => void act('stop', 'Stop'));

    return {
      async refresh() {
        const { job } = await get<{ job: JobView }>(`/v1/jobs/${encodeURIComponent(jobId)}`);
        if (job.run !== streamRun) startStream(job.run);
        const now = Date.now();
        if (!changed([job, clock([job])])) return;
        statusEl.textContent = job.status;
        statusEl.className = `badge st-${job.status}`;
        statusEl.title = `scheduler state: ${job.state}`;
        const ended = TERMINAL.includes(job.state);
        byId<HTMLButtonElement>('cancel-btn').disabled = ended;
        byId<HTMLButtonElement>('retry-btn').disabled = !ended;
        byId('stop-btn').hidden = !job.service || ended;
        const fields: [string, string][] = [
          ['State', `${esc(job.state)} (shown as ${esc(job.status)})`],
          ['Run', esc(job.run)],
          ['DAG', job.dag ? `<a href="${esc(dagHref(job.dag))}">${esc(job.dag)}</a>` : '–'],
          ['Type', esc(job.type)],
          ['File', `<code>${esc(job.file)}</code>${job.archive ? ` in ${esc(job.archive)}` : ''}${job.script ? ` (script ${esc(job.script)})` : ''}`],
          ['Args', job.args.length ? job.args.map((a) => `<code>${esc(a)}</code>`).join(' ') : '–'],
          ['Needs', esc(job.requirement)],
          ['Priority', esc(job.priority)],
          ['Parents', job.parents.length ? job.parents.map((p) => `<a href="${esc(jobHref(p))}">${esc(p)}</a>`).join(', ') : '–'],
          ['Attempts', `${esc(job.attempts)} of ${esc(job.maxRetries + 1)}`],
          ['Agent', job.node || job.agentId ? `${esc(job.node ?? '')} <small class="muted">${esc(job.agentId ?? '')}</small>` : '–'],
          ['Exit code', esc(job.exitCode ?? '–')],
          ['Error', job.error ? `<span class="err">${esc(job.error)}</span>` : '–'],
          ['Submitted', esc(time(job.createdAt))],
          ['Started', esc(time(job.startedAt))],
          ['Finished', esc(time(job.finishedAt))],
          ['Duration', esc(L.formatDuration(L.jobDurationMs(job, now)))],
          ['Timeout', esc(job.timeoutMs === null ? 'none' : L.formatDuration(job.timeoutMs))],
        ];
        if (job.port) fields.push(['Port', esc(job.port)]);
        if (job.service) fields.push(['Service', `${esc(job.service.state)}, ${esc(job.service.restarts)} restarts`]);
        byId('job-fields').innerHTML = fields.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('');
        byId('job-history').innerHTML = (job.history ?? [])
          .map((h) => `<li><time>${esc(new Date(h.ts).toLocaleTimeString())}</time> ${badge(h.state)} ${h.note ? esc(h.note) : ''}</li>`)
          .join('');
      },
      dispose() {
        stream?.abort();
      },
    };
  }

  function servicesView(root: HTMLElement): View {
    root.innerHTML = `<h2>Services</h2><p id="services-result" role="status"></p><div id="services" class="scroll"></div>`;
    const changed = memo();
    root.addEventListener('click', async (ev) => {
      const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-stop]');
      if (!btn) return;
      const id = btn.dataset.stop!;
      btn.disabled = true;
      try {
        const { job } = await api<{ job: JobView }>('POST', `/v1/jobs/${encodeURIComponent(id)}/stop`);
        say(byId('services-result'), `Stop ${id}: requested — ${job.status}`, true);
      } catch (e) {
        if (!(e instanceof AuthError)) say(byId('services-result'), `Stop ${id} failed: ${e instanceof Error ? e.message : String(e)}`, false);
      }
      await tick();
    });
    return {
      async refresh() {
        const { services } = await get<StatsResponse>('/v1/stats');
        if (!changed(services)) return;
        byId('services').innerHTML = services.length
          ? `<table><tr><th>Id</th><th>State</th><th>Restarts</th><th>Where</th><th>Port</th><th></th></tr>${services
              .map(
                (s) => `<tr><td><a href="${esc(jobHref(s.id))}"><code>${esc(s.id)}</code></a></td><td>${esc(s.state)}</td><td>${esc(s.restarts)}</td>
                  <td>${esc(s.node ?? '–')}</td><td>${esc(s.port || '–')}</td><td><button type="button" data-stop="${esc(s.id)}">Stop</button></td></tr>`,
              )
              .join('')}</table>`
          : '<p class="muted">No service is running.</p>';
      },
    };
  }

  function storeView(root: HTMLElement): View {
    root.innerHTML = `<h2>TitanStore</h2>
      <form id="store-form" class="inline"><label>Key prefix <input id="store-prefix" autocomplete="off" placeholder="e.g. titan:"></label></form>
      <div class="cols"><section><h3>Keys</h3><div id="store-keys" class="scroll keys"></div></section>
      <section><h3 id="store-key-title">Value</h3><div id="store-value"><p class="muted">Pick a key.</p></div></section></div>`;
    const prefix = byId<HTMLInputElement>('store-prefix');
    const changedKeys = memo();
    const changedValue = memo();
    let picked: { key: string; kind: string } | null = null;
    byId('store-form').addEventListener('submit', (ev) => (ev.preventDefault(), void tick()));
    prefix.addEventListener('input', () => void tick());
    byId('store-keys').addEventListener('click', (ev) => {
      const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-key]');
      if (!btn) return;
      picked = { key: btn.dataset.key!, kind: btn.dataset.kind! };
      for (const b of document.querySelectorAll('#store-keys button')) b.classList.toggle('picked', b === btn);
      void tick();
    });
    return {
      async refresh() {
        const { keys } = await get<{ keys: { key: string; kind: string; size: number }[] }>(`/v1/store/keys?limit=500&prefix=${encodeURIComponent(prefix.value)}`);
        if (changedKeys(keys)) {
          byId('store-keys').innerHTML = keys.length
            ? `<ul>${keys
                .map(
                  (k) => `<li><button type="button" class="link${picked?.key === k.key ? ' picked' : ''}" data-key="${esc(k.key)}" data-kind="${esc(k.kind)}">${esc(k.key)}</button>
                    <small class="muted">${esc(k.kind)} · ${esc(k.size)}</small></li>`,
                )
                .join('')}</ul>`
            : '<p class="muted">No keys with this prefix.</p>';
        }
        if (!picked) return;
        const p = picked;
        if (p.kind === 'set') {
          const { members } = await get<{ members: string[] }>(`/v1/store/sets?key=${encodeURIComponent(p.key)}`);
          if (!changedValue([p, members])) return;
          byId('store-key-title').textContent = `Set ${p.key} (${members.length} members)`;
          byId('store-value').innerHTML = members.length ? `<ul class="members">${members.map((m) => `<li><code>${esc(m)}</code></li>`).join('')}</ul>` : '<p class="muted">(empty)</p>';
        } else {
          const { value } = await get<{ value: string | null }>(`/v1/store/kv?key=${encodeURIComponent(p.key)}`);
          if (!changedValue([p, value])) return;
          byId('store-key-title').textContent = `String ${p.key}`;
          byId('store-value').innerHTML = value === null ? '<p class="muted">(deleted)</p>' : `<pre class="value">${esc(value)}</pre>`;
        }
      },
    };
  }

  function approvalsView(root: HTMLElement): View {
    root.innerHTML = `<h2>Approvals</h2><p id="approval-result" role="status"></p>
      <section><h3>Jobs waiting for approval</h3><div id="approval-jobs"></div></section>
      <section><h3>SDK gates <small class="muted">(store keys ${esc(HITL_PREFIX)}&lt;gate&gt;)</small></h3><div id="approval-gates"></div>
        <form id="gate-form" class="inline"><label>Decide a gate by id <input id="gate-id" autocomplete="off" required></label>
          <button type="submit" data-decision="APPROVED">Approve</button><button type="submit" data-decision="REJECTED">Reject</button></form></section>`;
    const changed = memo();
    async function decide(gate: string, decision: string): Promise<void> {
      const key = gate.startsWith(HITL_PREFIX) ? gate : HITL_PREFIX + gate;
      try {
        await api('PUT', '/v1/store/kv', { key, value: decision });
        say(byId('approval-result'), `${key} set to ${decision}`, true);
      } catch (e) {
        if (!(e instanceof AuthError)) say(byId('approval-result'), `Could not set ${key}: ${e instanceof Error ? e.message : String(e)}`, false);
      }
      await tick();
    }
    root.addEventListener('click', (ev) => {
      const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-gate]');
      if (btn) void decide(btn.dataset.gate!, btn.dataset.decision!);
    });
    byId('gate-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const decision = ((ev as SubmitEvent).submitter as HTMLButtonElement | null)?.dataset.decision ?? 'APPROVED';
      const input = byId<HTMLInputElement>('gate-id');
      if (input.value.trim()) void decide(input.value.trim(), decision);
    });
    return {
      async refresh() {
        // Native gates show as status WAITING_APPROVAL; the scheduler has no such state to filter on.
        const { jobs } = await get<{ jobs: JobView[] }>('/v1/jobs?limit=500');
        const waiting = jobs.filter((j) => j.status === 'WAITING_APPROVAL');
        const { keys } = await get<{ keys: { key: string; kind: string }[] }>(`/v1/store/keys?limit=200&prefix=${encodeURIComponent(HITL_PREFIX)}`);
        const values = await Promise.all(
          keys.filter((k) => k.kind === 'string').map(async (k) => ({ key: k.key, value: (await get<{ value: string | null }>(`/v1/store/kv?key=${encodeURIComponent(k.key)}`)).value })),
        );
        const gates = values.filter((g): g is { key: string; value: string } => L.isOpenGate(g.value));
        if (!changed([waiting, gates])) return;
        byId('approval-jobs').innerHTML = waiting.length ? jobTable(waiting, Date.now()) : '<p class="muted">None.</p>';
        byId('approval-gates').innerHTML = gates.length
          ? `<table><tr><th>Gate</th><th>Value</th><th></th></tr>${gates
              .map(
                (g) => `<tr class="gate"><td><code>${esc(g.key.slice(HITL_PREFIX.length))}</code></td><td>${esc(g.value)}</td>
                  <td><button type="button" class="approve" data-gate="${esc(g.key)}" data-decision="APPROVED">Approve</button>
                  <button type="button" class="reject" data-gate="${esc(g.key)}" data-decision="REJECTED">Reject</button></td></tr>`,
              )
              .join('')}</table>`
          : '<p class="muted">No open gate.</p>';
      },
    };
  }

  // ---------- start ----------

  window.addEventListener('hashchange', route);
  setInterval(() => void tick(), POLL_MS);
  if (token) void signIn(token);
  else showLogin('');
}
