/**
 * A log drawn as a window: only the rows in view (and a margin) are in the DOM, every row one
 * fixed height, so a log of 100,000 lines scrolls as smoothly as one of ten. Rows show their
 * line number and time (CSS pseudo-content: not copied with the text), ANSI colours, and search
 * hits; "follow" keeps the newest line in view until the reader scrolls up.
 */
import { PLAIN, segmentLook } from '../ansi';
import { findMatches, logClock, markSegments, matchFrom, matchLabel, MAX_MATCHES, scrollTopFor, stepMatch, visibleWindow, type LogRow, type Match } from '../logModel';

/** One row's height in px; `.log .ln` in styles.css has the same height and line-height. */
export const ROW_PX = 19;
/** Older rows are dropped past this, so a chatty job cannot exhaust the tab (the download has them all). */
export const MAX_ROWS = 100_000;
const SEARCH_DEBOUNCE_MS = 120;

export interface LogViewerEls {
  log: HTMLElement;
  follow: HTMLInputElement;
  times: HTMLInputElement;
  search: HTMLInputElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  count: HTMLElement;
}

export interface LogViewer {
  append(rows: readonly LogRow[]): void;
  dispose(): void;
}

export function createLogViewer(els: LogViewerEls): LogViewer {
  const { log } = els;
  const sizer = document.createElement('div');
  sizer.className = 'log-sizer';
  const shown = document.createElement('div');
  shown.className = 'log-rows';
  log.replaceChildren(sizer, shown);

  let rows: LogRow[] = [];
  let query = '';
  let matches: Match[] = [];
  let current = -1;
  let frame = 0;
  let version = 0; // bumped by every append: the rows under the window may change at the same length
  let drawn = { start: -1, end: -1, version: -1, query: '', current: -2 };
  let searchTimer: ReturnType<typeof setTimeout> | undefined;

  const atBottom = () => log.scrollTop + log.clientHeight >= log.scrollHeight - ROW_PX;

  function schedule(): void {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function draw(): void {
    frame = 0;
    const { start, end } = visibleWindow(log.scrollTop, log.clientHeight || 420, ROW_PX, rows.length);
    if (start === drawn.start && end === drawn.end && version === drawn.version && query === drawn.query && current === drawn.current) return;
    drawn = { start, end, version, query, current };
    const frag = document.createDocumentFragment();
    let m = matches.findIndex((x) => x.row >= start);
    for (let i = start; i < end; i++) {
      const ranges: { start: number; end: number; current: boolean }[] = [];
      for (; m >= 0 && m < matches.length && matches[m].row === i; m++) ranges.push({ start: matches[m].start, end: matches[m].end, current: m === current });
      frag.append(rowElement(rows[i], ranges));
    }
    shown.style.transform = `translateY(${start * ROW_PX}px)`;
    shown.replaceChildren(frag);
  }

  function setFollow(on: boolean): void {
    els.follow.checked = on;
    if (on) log.scrollTop = log.scrollHeight;
  }

  function reveal(index: number): void {
    current = index;
    els.count.textContent = matchLabel(query, current, matches.length);
    if (current < 0) return schedule();
    els.follow.checked = false;
    log.scrollTop = scrollTopFor(matches[current].row, ROW_PX, log.clientHeight);
    draw();
    shown.querySelector('mark.current')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  function search(): void {
    query = els.search.value;
    matches = findMatches(
      rows.map((r) => r.text),
      query,
    );
    const firstInView = Math.floor(log.scrollTop / ROW_PX);
    reveal(matchFrom(matches, firstInView));
  }

  log.addEventListener('scroll', () => {
    els.follow.checked = atBottom();
    schedule();
  });
  els.follow.addEventListener('change', () => setFollow(els.follow.checked));
  els.times.addEventListener('change', () => log.classList.toggle('no-times', !els.times.checked));
  els.search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, SEARCH_DEBOUNCE_MS);
  });
  els.search.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      if (els.search.value !== query) search();
      else reveal(stepMatch(current, matches.length, ev.shiftKey ? -1 : 1));
    } else if (ev.key === 'Escape') {
      els.search.value = '';
      search();
    }
  });
  els.next.addEventListener('click', () => reveal(stepMatch(current, matches.length, 1)));
  els.prev.addEventListener('click', () => reveal(stepMatch(current, matches.length, -1)));
  window.addEventListener('resize', schedule);

  return {
    append(fresh) {
      if (!fresh.length) return;
      const follow = els.follow.checked;
      const first = rows.length;
      version++;
      for (const r of fresh) rows.push(r);
      if (query && matches.length < MAX_MATCHES) {
        matches.push(
          ...findMatches(
            fresh.map((r) => r.text),
            query,
            first,
            MAX_MATCHES - matches.length,
          ),
        );
      }
      if (rows.length > MAX_ROWS) {
        const drop = rows.length - MAX_ROWS;
        rows = rows.slice(drop);
        const gone = matches.filter((x) => x.row < drop).length;
        matches = matches.slice(gone).map((x) => ({ ...x, row: x.row - drop }));
        current = current - gone < 0 ? -1 : current - gone;
        if (!follow) log.scrollTop = Math.max(0, log.scrollTop - drop * ROW_PX);
      }
      if (query) els.count.textContent = matchLabel(query, current, matches.length);
      sizer.style.height = `${rows.length * ROW_PX}px`;
      if (follow) log.scrollTop = log.scrollHeight;
      schedule();
    },
    dispose() {
      cancelAnimationFrame(frame);
      clearTimeout(searchTimer);
      window.removeEventListener('resize', schedule);
    },
  };
}

/** One row: gutter attributes, then its text in styled spans; hits wrapped in `<mark>`. Text only, never HTML. */
function rowElement(row: LogRow, ranges: readonly { start: number; end: number; current: boolean }[]): HTMLElement {
  const el = document.createElement('div');
  el.className = `ln ${row.stream}`;
  if (row.n !== null) el.dataset.n = String(row.n);
  const ts = document.createElement('span');
  ts.className = 'ts';
  if (row.ts !== null) ts.dataset.ts = logClock(row.ts);
  el.appendChild(ts);
  for (const piece of markSegments(row.segments, ranges)) {
    let node: Node = document.createTextNode(piece.text);
    if (piece.style !== PLAIN) {
      const look = segmentLook(piece.style);
      const span = document.createElement('span');
      if (look.classes.length) span.className = look.classes.join(' ');
      // CSSOM, not a style attribute: the CSP allows it, and the value is a colour we built.
      if (look.color) span.style.color = look.color;
      if (look.background) span.style.backgroundColor = look.background;
      span.appendChild(node);
      node = span;
    }
    if (piece.mark) {
      const mark = document.createElement('mark');
      mark.className = piece.mark;
      mark.appendChild(node);
      node = mark;
    }
    el.appendChild(node);
  }
  return el;
}
