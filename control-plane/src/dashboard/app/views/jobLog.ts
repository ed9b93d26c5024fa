/**
 * The log of a job page: its toolbar (search, timestamps, follow, download), the windowed viewer,
 * and the live tail: one run followed over server-sent events, reconnecting from the last line
 * seen and stopping when the server says the run has ended. "Download whole log" reads every run
 * page by page through `GET /v1/jobs/{id}/logs`. Lines are set as text, never HTML.
 */
import type { LogLine } from '../../../contract/logs';
import { parseSse } from '../../../contract/sse';
import { AuthError } from '../api';
import { byId } from '../dom';
import { errorText } from '../format';
import { html, setHtml } from '../html';
import { createRowMaker, logFileName, logFileText, readWholeLog } from '../logModel';
import type { ViewContext } from '../view';
import { createLogViewer } from './logViewer';

const RECONNECT_MS = 1000;
const DOWNLOAD_PAGE = 10_000;

export interface LogTail {
  /** Follow this run (a retry starts a new one); the same run again changes nothing. */
  follow(run: number): void;
  dispose(): void;
}

/** Draws the log section into `box` and returns its tail, idle until `follow` names a run. */
export function createLogTail(box: HTMLElement, jobId: string, { api }: ViewContext): LogTail {
  setHtml(
    box,
    html`<div class="log-head"><h3>Log</h3><small id="log-state" class="muted"></small>
        <div class="log-tools">
          <input type="search" id="log-search" placeholder="Search log" aria-label="Search the log" autocomplete="off">
          <button type="button" id="log-prev" title="Previous match (Shift+Enter)" aria-label="Previous match">↑</button><button type="button" id="log-next" title="Next match (Enter)" aria-label="Next match">↓</button>
          <span id="log-matches" class="muted" aria-live="polite"></span>
          <label class="follow"><input type="checkbox" id="log-times" checked> times</label>
          <label class="follow"><input type="checkbox" id="follow" checked> follow</label>
          <button type="button" id="log-download" title="Every line of every run, as a text file">Download whole log</button>
        </div></div>
      <div id="log-tail" class="log" tabindex="0" role="log" aria-label="Job log"></div>`,
  );
  const state = byId('log-state');
  const viewer = createLogViewer({
    log: byId('log-tail'),
    follow: byId<HTMLInputElement>('follow'),
    times: byId<HTMLInputElement>('log-times'),
    search: byId<HTMLInputElement>('log-search'),
    prev: byId<HTMLButtonElement>('log-prev'),
    next: byId<HTMLButtonElement>('log-next'),
    count: byId('log-matches'),
  });
  let streamRun = 0; // the run whose log is being followed
  let lastSeq = 0;
  let rowMaker = createRowMaker();
  let stream: AbortController | null = null;

  /** Read one SSE response to its end; true when the server said the run is over. */
  async function read(res: Response, run: number): Promise<boolean> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      const parsed = parseSse(buf + decoder.decode(value, { stream: true }));
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
      if (fresh.length) viewer.append(rowMaker.rows(fresh));
      if (ended) {
        state.textContent = `run ${run} · ended (${ended})`;
        return true;
      }
    }
  }

  /** EventSource cannot send an Authorization header, hence a fetch read as a stream. */
  async function followRun(run: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const res = await api.stream('followLogs', { params: { id: jobId }, query: { run, after: lastSeq } }, signal);
        state.textContent = `run ${run} · live`;
        if (await read(res, run)) return;
      } catch (e) {
        if (signal.aborted || e instanceof AuthError) return;
        state.textContent = `run ${run} · reconnecting (${errorText(e)})`;
      }
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  }

  const download = byId<HTMLButtonElement>('log-download');
  download.addEventListener('click', async () => {
    const label = download.textContent;
    download.disabled = true;
    try {
      const runs = await readWholeLog(
        async (run, after, limit) => api.call('getLogs', { params: { id: jobId }, query: { run, after, limit } }),
        Math.max(1, streamRun),
        DOWNLOAD_PAGE,
        (n) => (download.textContent = `Reading… ${n.toLocaleString()} lines`),
      );
      saveText(logFileName(jobId), logFileText(jobId, runs));
    } catch (e) {
      if (!(e instanceof AuthError)) state.textContent = `download failed: ${errorText(e)}`;
    } finally {
      download.textContent = label;
      download.disabled = false;
    }
  });

  return {
    follow(run) {
      if (run === streamRun) return;
      stream?.abort();
      if (streamRun) viewer.append([rowMaker.note(`──── run ${run} ────`)]);
      streamRun = run;
      lastSeq = 0;
      rowMaker = createRowMaker(); // numbering and colours start afresh with each run
      stream = new AbortController();
      void followRun(run, stream.signal);
    },
    dispose() {
      stream?.abort();
      viewer.dispose();
    },
  };
}

/** Hand text to the browser as a file download (a blob URL, revoked once the click has used it). */
function saveText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
