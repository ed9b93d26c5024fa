// Types for bundle.mjs (plain Node: bin/ runs before anything is compiled).
export function bundleEntry(root: string): string;
export function bundleIsCurrent(root: string): boolean;
