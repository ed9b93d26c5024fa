import { dashboardClient } from './client';
import * as layout from './layout';

/** The layout helpers the browser gets, by the name it calls them. */
const HELPERS = {
  longestPathLayers: layout.longestPathLayers,
  placeNodes: layout.placeNodes,
  edgePath: layout.edgePath,
  statusColor: layout.statusColor,
  formatDuration: layout.formatDuration,
  jobDurationMs: layout.jobDurationMs,
  formatAgo: layout.formatAgo,
  parseSse: layout.parseSse,
  escapeHtml: layout.escapeHtml,
  isOpenGate: layout.isOpenGate,
} satisfies Parameters<typeof dashboardClient>[0];

/**
 * The browser script, built from the very functions the Worker bundle holds (one source, no
 * build step): each helper's compiled text, then the client program called with them. The
 * bundler's keep-names pass may wrap inner functions in `__name(fn, "name")`; a no-op stands in.
 */
export function buildAppJs(): string {
  const helpers = Object.entries(HELPERS)
    .map(([name, fn]) => `  ${name}: (${fn.toString()}),`)
    .join('\n');
  return `// Titan Edge dashboard (generated from control-plane/src/dashboard/{client,layout}.ts)
(function () {
'use strict';
var __name = function (fn) { return fn; };
(${dashboardClient.toString()})({
${helpers}
});
})();
`;
}
