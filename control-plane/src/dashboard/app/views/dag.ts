/** One DAG run as a live graph: a box per job coloured by status, edges left to right. */
import { UserStatus, type DagView } from '../../../contract/jobs';
import { clock, memo } from '../changes';
import { byId } from '../dom';
import { badge, countsChips, time } from '../format';
import { html, setHtml } from '../html';
import { formatDuration } from '../layout';
import type { ViewFactory } from '../view';
import { dagActions } from './dagActions';
import { createDagGraph } from './dagGraph';
import { dagTimeline } from './dagTimeline';

export const dagView: ViewFactory = (root, ctx, dagId) => {
  const { api } = ctx;
  setHtml(
    root,
    html`<h2>DAG <span id="dag-title"></span></h2><p id="dag-summary"></p><div id="dag-actions" class="actions"></div>
      <div id="dag-graph-box"></div>
      <p class="legend">${UserStatus.options.map((s) => html`${badge(s)} `)}· click a node for its job page</p>
      <h3>Timeline</h3><div id="dag-timeline"></div>`,
  );
  const actions = dagActions(byId('dag-actions'), ctx, dagId);
  const timeline = dagTimeline(byId('dag-timeline'));
  const graph = createDagGraph(byId('dag-graph-box'));
  const changed = memo();
  return {
    async refresh() {
      const dag = await api.call('getDag', { params: { id: dagId } });
      const now = Date.now();
      actions.update(dag);
      timeline.update(dag, now);
      if (!changed([dag, clock(dag.jobs, now)])) return;
      setHtml(byId('dag-title'), html`${dag.name ?? ''} <code>${dag.id}</code>`);
      const counts: Record<string, number> = {};
      for (const j of dag.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
      setHtml(byId('dag-summary'), html`${countsChips(counts)} · submitted ${time(dag.createdAt)} · wall time ${formatDuration(wallTime(dag, now))}`);
      graph.render(dag, now);
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
