// Types for setup-browser.mjs (plain Node so `npm test` needs no compiler before it starts).
export const CHROMIUM: string;
export function browserPlan(input: { present: boolean; isRoot: boolean; canSudo: boolean; hasApt: boolean }): { run: string[][]; error?: undefined } | { error: string; run?: undefined };
export function ensureBrowser(opts?: { log?: (line: string) => void }): { path: string; action: 'present' | 'installed'; seconds: number };
