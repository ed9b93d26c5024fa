/** One DAG run as a live graph: a box per job coloured by status, edges left to right. */
import { UserStatus, type DagView } from '../../../contract/jobs';
import { clock, memo } from '../changes';
import { byId } from '../dom';
import { badge, countsChips, jobHref, time } from '../format';
import { html, setHtml } from '../html';
import { edgePath, formatDuration, jobDurationMs, longestPathLayers, placeNodes, statusColor } from '../layout';
import type { ViewFactory } from '../view';

const BOX = { w: 190, h: 60, gapX: 56, gapY: 16, pad: 12 };

export const dagView: ViewFactory = (root, { api }, dagId) => {
  setHtml(
    root,
    html`<h2>DAG <span id="dag-title"></span></h2><p id="dag-summary"></p>
      <div class="graph-wrap"><div id="dag-graph"></div></div>
      <p class="legend">${UserStatus.options.map((s) => html`${badge(s)} `)}· click a node for its job page</p>`,
  );
  const changed = memo();
  return {
    async refresh() {
      const dag = await api.call('getDag', { params: { id: dagId } });
      const now = Date.now();
      if (!changed([dag, clock(dag.jobs, now)])) return;
      setHtml(byId('dag-title'), html`${dag.name ?? ''} <code>${dag.id}</code>`);
      const counts: Record<string, number> = {};
      for (const j of dag.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
      setHtml(byId('dag-summary'), html`${countsChips(counts)} · submitted ${time(dag.createdAt)} · wall time ${formatDuration(wallTime(dag, now))}`);
      setHtml(byId('dag-graph'), dagSvg(dag, now));
    },
  };
};

/** First start to last end (or to now while anything still runs); null before anything starts. */
function wallTime(dag: DagView, now: number): number | null {
  const starts = dag.jobs.map((j) => j.startedAt).filter((t): t is number => t !== null);
  if (!starts.length) return null;
  const ends = dag.jobs.map((j) => j.finishedAt);
  const end = ends.every((t) => t !== null) ? Math.max(...(ends as number[])) : now;
  return end - Math.min(...starts);
}

function dagSvg(dag: DagView, now: number) {
  const { pos, width, height } = placeNodes(
    longestPathLayers(
      dag.jobs.map((j) => j.id),
      dag.edges,
    ),
    dag.edges,
    BOX,
  );
  const edges = dag.edges
    .filter(([p, c]) => pos.has(p) && pos.has(c))
    .map(([p, c]) => html`<path class="edge" d="${edgePath(pos.get(p)!, pos.get(c)!, BOX.w, BOX.h)}" marker-end="url(#arrow)"/>`);
  const nodes = dag.jobs.map((j) => {
    const at = pos.get(j.id)!;
    const color = statusColor(j.status);
    const label = j.id.length > 24 ? `${j.id.slice(0, 23)}…` : j.id;
    return html`<a href="${jobHref(j.id)}"><g class="node" data-job-id="${j.id}" data-status="${j.status}" transform="translate(${at.x},${at.y})">
          <title>${j.id} — ${j.status} (${j.state})</title>
          <rect width="${BOX.w}" height="${BOX.h}" rx="8" fill="${color.fill}"/>
          <text x="10" y="20" fill="${color.text}" class="node-id">${label}</text>
          <text x="10" y="38" fill="${color.text}">${j.status} · ${formatDuration(jobDurationMs(j, now))}</text>
          <text x="10" y="53" fill="${color.text}" class="small">try ${j.attempts}/${j.maxRetries + 1}${j.node && ` · ${j.node}`}</text></g></a>`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="DAG graph">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>
      ${edges}${nodes}</svg>`;
}
