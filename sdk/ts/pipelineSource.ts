import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

/**
 * A pipeline document as a small tree that remembers 1-based line numbers, so every
 * validation error can say where it is. The Python SDK builds the same tree
 * (titan_sdk/pipeline_source.py); the shared fixtures keep the two in step.
 */
export type SourceNode =
  | { kind: 'map'; line: number; pairs: SourcePair[] }
  | { kind: 'seq'; line: number; items: SourceNode[] }
  /** `text` is the scalar as written: `1.0` and `yes` stay `1.0` and `yes` when used as a string. */
  | { kind: 'scalar'; line: number; value: unknown; text: string };

export interface SourcePair {
  key: string;
  line: number;
  value: SourceNode;
}

export class SourceSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

/**
 * Parse YAML (as YAML 1.1, the dialect of PyYAML and so of the original SDK: `yes` is
 * true) or JSON. Duplicate keys are kept, so the caller can report them with their line.
 * Returns null for an empty document.
 */
export function readSource(text: string, format: 'yaml' | 'json'): SourceNode | null {
  if (format === 'json') {
    try {
      JSON.parse(text); // YAML accepts more than JSON (trailing commas, comments): refuse those first
    } catch (e) {
      throw new SourceSyntaxError(`not valid JSON: ${(e as Error).message}`, null);
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: format === 'json' ? '1.2' : '1.1', uniqueKeys: false, lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new SourceSyntaxError(`not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${e.message}`, e.linePos?.[0].line ?? null);
  }
  const lineAt = (range: readonly number[] | null | undefined) => (range ? lines.linePos(range[0]!).line : 1);
  const convert = (node: unknown, depth: number): SourceNode => {
    if (depth > 100) throw new SourceSyntaxError('the document is nested too deeply', null);
    if (isAlias(node)) return convert(node.resolve(doc as Document), depth + 1);
    if (isMap(node)) {
      return {
        kind: 'map',
        line: lineAt(node.range),
        pairs: node.items.map((p) => {
          const key = isScalar(p.key) ? p.key : null;
          const keyText = key ? (typeof key.value === 'string' ? key.value : (key.source ?? String(key.value))) : String(p.key);
          const keyLine = lineAt(key?.range);
          const value = p.value == null ? { kind: 'scalar' as const, line: keyLine, value: null, text: '' } : convert(p.value, depth + 1);
          return { key: keyText, line: keyLine, value };
        }),
      };
    }
    if (isSeq(node)) return { kind: 'seq', line: lineAt(node.range), items: node.items.map((i) => convert(i, depth + 1)) };
    if (isScalar(node)) {
      const text = typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
      return { kind: 'scalar', line: lineAt(node.range), value: node.value, text };
    }
    return { kind: 'scalar', line: 1, value: null, text: '' };
  };
  return doc.contents == null ? null : convert(doc.contents, 0);
}
