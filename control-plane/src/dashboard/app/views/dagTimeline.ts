/**
 * The DAG page's run timeline: where the wall time went, one row per job (see ../timeline.ts).
 * Drawn again only when the jobs, the width or (while anything is in progress) the second change.
 */
import { TERMINAL_STATES, type DagView } from '../../../contract/jobs';
import { memo } from '../changes';
import { html, setHtml } from '../html';
import { timelineLayout, timelineSvg } from '../timeline';

const MIN_WIDTH = 560;

export function dagTimeline(el: HTMLElement): { update(dag: DagView, now: number): void } {
  setHtml(
    el,
    html`<div class="timeline-wrap"><div id="dag-timeline-chart"></div></div>
      <p class="legend tl-legend"><span class="tl-key tl-key-waiting"></span> waiting for parents <span class="tl-key tl-key-queued"></span> queued
        <span class="tl-key tl-key-running"></span> running (coloured by status) <span class="tl-key tl-key-earlier"></span> earlier attempt · time from submission; hover a row for its times</p>`,
  );
  const chart = el.querySelector<HTMLElement>('#dag-timeline-chart')!;
  const changed = memo();
  return {
    update(dag, now) {
      const live = dag.jobs.some((j) => !TERMINAL_STATES.includes(j.state));
      const width = Math.max(MIN_WIDTH, Math.floor(chart.clientWidth));
      if (!changed([dag.jobs, width, live && Math.floor(now / 1000)])) return;
      setHtml(chart, dag.jobs.length ? timelineSvg(timelineLayout(dag.jobs, now, width)) : html`<p class="muted">No jobs.</p>`);
    },
  };
}
