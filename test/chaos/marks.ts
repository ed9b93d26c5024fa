/**
 * The side effect the chaos cases count: a job body that appends a line to `<CHAOS_DIR>/<job id>.started`
 * when it begins and to `.done` when it has completed, each line "attempt epoch-ms".
 */
import fs from 'node:fs';

export function markedBody(sleepS: number): string {
  return [
    'import os, time',
    'mark = os.path.join(os.environ["CHAOS_DIR"], os.environ["TITAN_JOB_ID"])',
    'def note(kind): open(mark + kind, "a").write("%s %d\\n" % (os.environ["TITAN_ATTEMPT"], time.time() * 1000))',
    'note(".started")',
    `time.sleep(${sleepS})`,
    'note(".done")',
  ].join('\n');
}

/** How many lines a mark file holds (0 when the body never got there). */
export const markLines = (file: string): number => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
