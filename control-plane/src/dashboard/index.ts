import type { App } from '../api/http';

/**
 * The dashboard's files are Workers Static Assets (built by scripts/build.mjs from ./app and
 * ./static). Deployed, Cloudflare serves `/` and `/dashboard/*.{js,css}` before this Worker runs;
 * the embedded local runtime sends every request here first, so these routes hand the files to the
 * assets binding (with their `_headers`) in both cases. `/dashboard` and `/dashboard/` are the page.
 */
export function mountDashboard(app: App): void {
  const page = (c: { req: { url: string }; env: { ASSETS: Fetcher } }) => c.env.ASSETS.fetch(new URL('/', c.req.url));
  const file = (c: { req: { raw: Request }; env: { ASSETS: Fetcher } }) => c.env.ASSETS.fetch(c.req.raw);
  app.get('/', file);
  app.get('/index.html', file);
  app.get('/dashboard', page);
  app.get('/dashboard/', page);
  app.get('/dashboard/app.js', file);
  app.get('/dashboard/styles.css', file);
}
