// Types for deploy-check.mjs (plain Node, loaded by scripts/build.mjs).
export const SIZE_LIMITS: { free: number; paid: number };
export const SECRETS: string[];
export function formatBytes(n: number): string;
export function exportedNames(source: string): Set<string>;
export interface Migration {
  tag: string;
  new_classes?: string[];
  new_sqlite_classes?: string[];
  renamed_classes?: { from: string; to: string }[];
  deleted_classes?: string[];
}
export interface DeployConfig {
  name: string;
  compatibility_date?: string;
  compatibility_flags?: string[];
  durable_objects?: { bindings: { name: string; class_name: string; script_name?: string }[] };
  migrations?: Migration[];
  r2_buckets?: { binding: string; bucket_name?: string }[];
  assets?: { directory?: string; binding?: string };
}
export function migratedClasses(migrations?: Migration[]): Set<string>;
export function deployCheck(input: {
  config: DeployConfig;
  bundlePath: string;
  bundleSource: string;
  bundleBytes: number;
  gzipBytes: number;
  assets: { dir: string; files: { path: string; bytes: number }[] } | null;
}): { ok: boolean; lines: string[] };
