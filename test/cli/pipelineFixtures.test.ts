import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineFile, PipelineError } from '../../sdk/ts/pipeline';

/**
 * The shared corpus (test/fixtures/pipelines, rules in its README): every case must give
 * exactly the expected normalised pipeline or the expected errors. The Python SDK runs
 * the same corpus in test/python/unit/test_pipeline_fixtures.py.
 */
const DIR = join(import.meta.dirname, '..', 'fixtures', 'pipelines');
const isExpectation = (f: string) => f.endsWith('.expected.json') || f.endsWith('.error.json');
const cases = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f) && !isExpectation(f)).sort();
const stem = (f: string) => f.replace(/\.[^.]+$/, '');

describe('pipeline fixture corpus', () => {
  it('has one expectation per case and a case per expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const f of cases) {
      const found = ['expected', 'error'].filter((k) => existsSync(join(DIR, `${stem(f)}.${k}.json`)));
      expect(found, f).toHaveLength(1);
    }
    const stems = new Set(cases.map(stem));
    for (const f of readdirSync(DIR).filter(isExpectation)) expect(stems.has(f.replace(/\.(expected|error)\.json$/, '')), f).toBe(true);
  });

  it.each(cases)('%s', (f) => {
    const expectedPath = join(DIR, `${stem(f)}.expected.json`);
    let got: unknown;
    try {
      got = { pipeline: loadPipelineFile(join(DIR, f)) };
    } catch (e) {
      if (!(e instanceof PipelineError)) throw e;
      got = { errors: e.issues };
    }
    if (existsSync(expectedPath)) {
      expect(got).toEqual({ pipeline: JSON.parse(readFileSync(expectedPath, 'utf8')) });
    } else {
      const want = JSON.parse(readFileSync(join(DIR, `${stem(f)}.error.json`), 'utf8')).errors as object[];
      expect(got).toHaveProperty('errors');
      const errors = (got as { errors: object[] }).errors;
      // Only the fields an expectation names are compared (a syntax error's wording is the parser's).
      expect(errors.map((e, i) => Object.fromEntries(Object.keys(want[i] ?? {}).map((k) => [k, (e as Record<string, unknown>)[k]])))).toEqual(want);
    }
  });
});
