/**
 * The DAG page's graph: boxes coloured by status, laid out by `graph.ts`, in a bounded viewport
 * that scrolls, zooms (buttons, Ctrl/⌘ + wheel) and pans (drag, or touch scrolling). A level
 * wider than `WIDE_LEVEL.max` folds into "+N more", which expands on click.
 */
import type { DagView } from '../../../contract/jobs';
import { byId } from '../dom';
import { jobHref } from '../format';
import { clampZoom, collapseWideLevels, curvePath, fitScale, layoutGraph, scrollAfterZoom, statusShares, ZOOM, type CollapsedGraph, type GraphLayout } from '../graph';
import { html, setHtml } from '../html';
import { formatDuration, jobDurationMs, statusColor } from '../layout';

const BOX = { w: 190, h: 60 };
/** The first drawing is fitted to the viewport, but not below this (boxes must stay legible). */
const FIRST_FIT_MIN = 0.5;
/** A mouse drag shorter than this is a click (on a node: open its job). */
const DRAG_PX = 4;

export interface DagGraph {
  render(dag: DagView, now: number): void;
}

/** Draws into `box`: a toolbar, then the viewport (`.graph-wrap`) holding `#dag-graph`. */
export function createDagGraph(box: HTMLElement): DagGraph {
  setHtml(
    box,
    html`<div class="graph-tools" role="toolbar" aria-label="Graph view">
        <button type="button" id="graph-zoom-out" title="Zoom out">−</button><button type="button" id="graph-zoom-in" title="Zoom in">+</button>
        <button type="button" id="graph-fit" title="Fit the whole graph in view">Fit</button><button type="button" id="graph-actual" title="Actual size">100%</button>
        <span id="graph-zoom" class="muted"></span><button type="button" id="graph-collapse" hidden>Fold wide levels</button>
        <small class="muted graph-hint">Drag to pan · Ctrl/⌘ + wheel to zoom</small></div>
      <div class="graph-wrap" id="graph-viewport"><div id="dag-graph"></div></div>`,
  );
  const viewport = byId('graph-viewport');
  const holder = byId('dag-graph');
  const expanded = new Set<number>();
  let scale = 1;
  let userZoomed = false; // until the reader zooms, each new shape is fitted again
  let last: { dag: DagView; now: number } | null = null;
  let cached: { key: string; collapsed: CollapsedGraph; layout: GraphLayout } | null = null;

  /** The layout changes only with the shape (jobs shown, edges, folds), not with statuses: reuse it. */
  function shapeOf(dag: DagView): { collapsed: CollapsedGraph; layout: GraphLayout; fresh: boolean } {
    const collapsed = collapseWideLevels(dag.jobs, dag.edges, expanded);
    const key = JSON.stringify([collapsed.nodes.map((n) => n.key), collapsed.edges]);
    if (cached?.key === key) return { ...cached, collapsed, fresh: false };
    const layout = layoutGraph(
      collapsed.nodes.map((n) => ({ key: n.key, ...BOX })),
      collapsed.edges,
    );
    cached = { key, collapsed, layout };
    return { collapsed, layout, fresh: true };
  }

  /** Room for the drawing: the viewport's width, and the height it may grow to (its CSS max-height), less padding and border. */
  function viewSize() {
    const maxHeight = parseFloat(getComputedStyle(viewport).maxHeight) || window.innerHeight * 0.7;
    return { w: viewport.clientWidth - 10, h: Math.max(120, maxHeight - 12) };
  }

  function applyScale(): void {
    const svg = holder.querySelector('svg');
    if (svg && cached) {
      svg.setAttribute('width', String(Math.round(cached.layout.width * scale)));
      svg.setAttribute('height', String(Math.round(cached.layout.height * scale)));
    }
    byId('graph-zoom').textContent = `${Math.round(scale * 100)}%`;
  }

  function draw(): void {
    if (!last) return;
    const { dag, now } = last;
    const { collapsed, layout, fresh } = shapeOf(dag);
    if (fresh && !userZoomed) scale = fitScale({ w: layout.width, h: layout.height }, viewSize(), FIRST_FIT_MIN, 1);
    setHtml(holder, svgOf(collapsed, layout, now, dag));
    byId('graph-collapse').hidden = expanded.size === 0;
    applyScale();
  }

  function zoomTo(next: number, pointer?: { x: number; y: number }): void {
    next = clampZoom(next);
    const at = pointer ?? { x: viewport.clientWidth / 2, y: viewport.clientHeight / 2 };
    const scroll = scrollAfterZoom(scale, next, at, { left: viewport.scrollLeft, top: viewport.scrollTop });
    scale = next;
    userZoomed = true;
    applyScale();
    viewport.scrollLeft = scroll.left;
    viewport.scrollTop = scroll.top;
  }

  byId('graph-zoom-in').addEventListener('click', () => zoomTo(scale * ZOOM.step));
  byId('graph-zoom-out').addEventListener('click', () => zoomTo(scale / ZOOM.step));
  byId('graph-actual').addEventListener('click', () => zoomTo(1));
  byId('graph-fit').addEventListener('click', () => {
    if (cached) zoomTo(fitScale({ w: cached.layout.width, h: cached.layout.height }, viewSize()));
  });
  byId('graph-collapse').addEventListener('click', () => {
    expanded.clear();
    draw();
  });
  viewport.addEventListener(
    'wheel',
    (ev) => {
      if (!ev.ctrlKey && !ev.metaKey) return; // a plain wheel scrolls, as everywhere else
      ev.preventDefault();
      const r = viewport.getBoundingClientRect();
      zoomTo(scale * Math.exp(-ev.deltaY * 0.002), { x: ev.clientX - r.left, y: ev.clientY - r.top });
    },
    { passive: false },
  );

  // Folded levels expand on click or Enter.
  const expand = (target: EventTarget | null) => {
    const more = (target as Element | null)?.closest?.('[data-more]');
    if (!more) return false;
    expanded.add(Number(more.getAttribute('data-more')));
    draw();
    return true;
  };
  viewport.addEventListener('keydown', (ev) => {
    if ((ev.key === 'Enter' || ev.key === ' ') && expand(ev.target)) ev.preventDefault();
  });

  // Mouse drag pans; touch and pen keep the browser's own scrolling. The pointer is captured only
  // once it moves past DRAG_PX, so a plain click still reaches the node under it.
  let drag: { x: number; y: number; left: number; top: number; moved: boolean } | null = null;
  viewport.addEventListener('dragstart', (ev) => ev.preventDefault()); // links would start a native drag
  viewport.addEventListener('pointerdown', (ev) => {
    if (ev.pointerType !== 'mouse' || ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, left: viewport.scrollLeft, top: viewport.scrollTop, moved: false };
  });
  viewport.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!drag.moved) {
      if (Math.hypot(dx, dy) < DRAG_PX) return;
      drag.moved = true;
      viewport.setPointerCapture(ev.pointerId);
      viewport.classList.add('panning');
    }
    viewport.scrollLeft = drag.left - dx;
    viewport.scrollTop = drag.top - dy;
  });
  const endDrag = () => {
    viewport.classList.remove('panning');
    // A drag that moved must not also open the node it ended on: the click right after is eaten.
    if (drag?.moved) setTimeout(() => (drag = null));
    else drag = null;
  };
  viewport.addEventListener('pointerup', endDrag);
  viewport.addEventListener('pointercancel', endDrag);
  viewport.addEventListener(
    'click',
    (ev) => {
      if (drag?.moved) {
        ev.preventDefault();
        ev.stopPropagation();
        drag = null;
        return;
      }
      if (expand(ev.target)) ev.preventDefault();
    },
    true,
  );

  return {
    render(dag, now) {
      last = { dag, now };
      draw();
    },
  };
}

function svgOf(collapsed: CollapsedGraph, layout: GraphLayout, now: number, dag: DagView) {
  const { pos, width, height } = layout;
  const edges = layout.edges.map((e) => html`<path class="edge" d="${curvePath(e.points)}" marker-end="url(#arrow)"/>`);
  const byId = new Map(dag.jobs.map((j) => [j.id, j]));
  const nodes = collapsed.nodes.map((n) => {
    const at = pos.get(n.key)!;
    if (n.kind === 'more') return moreNode(n.layer, n.jobs, at);
    const j = byId.get(n.job.id)!;
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
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker></defs>
      ${edges}${nodes}</svg>`;
}

/** A folded level: how many jobs it holds, a bar of their statuses, and the hint to expand it. */
function moreNode(layer: number, jobs: readonly { id: string; status: string }[], at: { x: number; y: number }) {
  const shares = statusShares(jobs);
  const barW = BOX.w - 20;
  let x = 10;
  const bar = shares.map(([status, n]) => {
    const w = (barW * n) / jobs.length;
    const seg = html`<rect x="${x.toFixed(1)}" y="30" width="${w.toFixed(1)}" height="8" fill="${statusColor(status).fill}"><title>${n} ${status}</title></rect>`;
    x += w;
    return seg;
  });
  const summary = shares.map(([s, n]) => `${n} ${s}`).join(', ');
  return html`<g class="more-node" data-more="${layer}" role="button" tabindex="0" aria-label="Show ${jobs.length} more jobs (${summary})" transform="translate(${at.x},${at.y})">
      <title>${summary} — click to show them all</title>
      <rect class="more-box" width="${BOX.w}" height="${BOX.h}" rx="8"/>
      <text x="10" y="20" class="more-count">+${jobs.length} more</text>${bar}
      <text x="10" y="53" class="small more-hint">click to show all</text></g>`;
}
