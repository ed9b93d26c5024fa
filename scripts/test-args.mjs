// Which runner gets `npm test -- ARGS`: everything from the first Python test path on goes to pytest
// (`npm test -- test/python -k fuzz`), everything before it to vitest (`npm test -- test/e2e`).
// No arguments: both runners, everything.

const PYTHON_TESTS = 'test/python';

/** A pytest target: under test/python, a .py file, or a node id (`file.py::test_x`). */
export function isPythonTarget(arg) {
  const path = arg.replace(/^\.\//, '').split('::')[0];
  return path === PYTHON_TESTS || path.startsWith(`${PYTHON_TESTS}/`) || path.endsWith('.py');
}

/** @returns {{ vitest: string[] | null, pytest: string[] | null }} null: that runner does not run. */
export function splitTestArgs(args) {
  if (args.length === 0) return { vitest: [], pytest: [PYTHON_TESTS] };
  const at = args.findIndex(isPythonTarget);
  const vitest = at === -1 ? args : args.slice(0, at);
  return { vitest: vitest.length ? vitest : null, pytest: at === -1 ? null : args.slice(at) };
}
