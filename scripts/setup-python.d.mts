// Types for setup-python.mjs (plain Node so `npm test` needs no compiler before it starts).
export interface VenvLayout {
  dir: string;
  bin: string;
  python: string;
  stamp: string;
  lock: string;
  requirements: string;
}
/** A venv's folder name at the repository root and its requirements file (relative to the root). */
export interface VenvSpec {
  name: string;
  requirements: string;
}
export const TEST_VENV: VenvSpec;
export function venvLayout(root: string, platform?: NodeJS.Platform, venv?: VenvSpec): VenvLayout;
export function requirementsStamp(requirementsText: string, baseVersion: string): string;
export function pythonPlan(input: { stamp: string | null; wanted: string; venvVersion: string | null; baseVersion: string }): 'reuse' | 'create';
export function pathWithFirst(dir: string, path?: string, delimiter?: string): string;
export function pathWithout(dir: string, path?: string, delimiter?: string): string;
export function venvEnv(env: NodeJS.ProcessEnv, layout: VenvLayout, delimiter?: string): NodeJS.ProcessEnv;
export function ensurePythonEnv(opts?: { root?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void; venv?: VenvSpec; pipArgs?: string[] }): {
  layout: VenvLayout;
  action: 'reused' | 'created';
  seconds: number;
};
