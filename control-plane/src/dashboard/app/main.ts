/**
 * The dashboard's entry (bundled by esbuild into /dashboard/app.js): the shell signs in, the hash
 * picks a view, the poller refreshes it.
 */
import { createApi } from './api';
import { byId } from './dom';
import { createPoller, POLL_MS } from './poller';
import { parseHash, type Section } from './route';
import { createShell, REFUSED } from './shell';
import type { View, ViewContext, ViewFactory } from './view';
import { approvalsView } from './views/approvals';
import { clusterView } from './views/cluster';
import { dagListView } from './views/dagList';
import { dagView } from './views/dag';
import { jobListView } from './views/jobList';
import { jobView } from './views/job';
import { schedulesView } from './views/schedules';
import { servicesView } from './views/services';
import { storeView } from './views/store';

/** Each section's list page, and its detail page where it has one. */
const VIEWS: Record<Section, { list: ViewFactory; detail?: ViewFactory }> = {
  '': { list: clusterView },
  dags: { list: dagListView, detail: dagView },
  jobs: { list: jobListView, detail: jobView },
  services: { list: servicesView },
  store: { list: storeView },
  approvals: { list: approvalsView },
  schedules: { list: schedulesView },
};

let current: View | null = null;
let signedIn = false;

const shell = createShell({
  shown() {
    signedIn = true;
    show();
  },
  hidden() {
    signedIn = false;
    current?.dispose?.();
    current = null;
  },
});
const poller = createPoller(() => current);
const ctx: ViewContext = { api: createApi(shell.token, () => shell.signOut(REFUSED)), tick: poller.tick, signOut: shell.signOut };

/** Replace the view with the one the address names. */
function show(): void {
  if (!signedIn) return;
  current?.dispose?.();
  const { section, id } = parseHash(location.hash);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.section === section);
  const root = document.createElement('div');
  byId('view').replaceChildren(root);
  byId('view-error').hidden = true;
  const views = VIEWS[section];
  current = id && views.detail ? views.detail(root, ctx, id) : views.list(root, ctx, id);
  void poller.tick();
}

window.addEventListener('hashchange', show);
setInterval(() => void poller.tick(), POLL_MS);
shell.start();
