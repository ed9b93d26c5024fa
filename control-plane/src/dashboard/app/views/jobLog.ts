/**
 * The live log of a job page: follows one run over server-sent events, reconnects from the last
 * line seen, and stops when the server says the run has ended. Lines are set as text, never HTML.
 */
import type { LogLine } from '../../../contract/logs';
import { AuthError } from '../api';
import { errorText } from '../format';
import { parseSse } from '../../../contract/sse';
import type { ViewContext } from '../view';

/** Older lines are dropped beyond this, so a chatty job cannot exhaust the tab. */
const MAX_LOG_LINES = 10_000;
const RECONNECT_MS = 1000;

export interface LogTail {
  /** Follow this run (a retry starts a new one); the same run again changes nothing. */
  follow(run: number): void;
  dispose(): void;
}

export function createLogTail(els: { log: HTMLElement; state: HTMLElement; follow: HTMLInputElement }, jobId: string, { api }: ViewContext): LogTail {
  let streamRun = 0; // the run whose log is being followed
  let lastSeq = 0;
  let stream: AbortController | null = null;

  function append(lines: readonly { stream: string; text: string }[]): void {
    const frag = document.createDocumentFragment();
    for (const l of lines) {
      const span = document.createElement('span');
      span.className = `ln ${l.stream}`;
      span.textContent = `${l.text}\n`;
      frag.append(span);
    }
    els.log.appendChild(frag);
    while (els.log.childElementCount > MAX_LOG_LINES) els.log.firstElementChild!.remove();
    if (els.follow.checked) els.log.scrollTop = els.log.scrollHeight;
  }

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
      if (fresh.length) append(fresh);
      if (ended) {
        els.state.textContent = `run ${run} · ended (${ended})`;
        return true;
      }
    }
  }

  /** EventSource cannot send an Authorization header, hence a fetch read as a stream. */
  async function followRun(run: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const res = await api.stream('followLogs', { params: { id: jobId }, query: { run, after: lastSeq } }, signal);
        els.state.textContent = `run ${run} · live`;
        if (await read(res, run)) return;
      } catch (e) {
        if (signal.aborted || e instanceof AuthError) return;
        els.state.textContent = `run ${run} · reconnecting (${errorText(e)})`;
      }
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  }

  return {
    follow(run) {
      if (run === streamRun) return;
      stream?.abort();
      if (streamRun) append([{ stream: 'system', text: `──── run ${run} ────` }]);
      streamRun = run;
      lastSeq = 0;
      stream = new AbortController();
      void followRun(run, stream.signal);
    },
    dispose() {
      stream?.abort();
    },
  };
}
