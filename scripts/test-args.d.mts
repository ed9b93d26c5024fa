// Types for test-args.mjs (plain Node so `npm test` needs no compiler before it starts).
export function isPythonTarget(arg: string): boolean;
export function splitTestArgs(args: string[]): { vitest: string[] | null; pytest: string[] | null };
