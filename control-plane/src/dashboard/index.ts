import type { App } from '../api/http';

/**
 * The dashboard's files are Workers Static Assets (built by scripts/build.mjs from ./app and
 * ./static): `/` and `/dashboard/*.{js,css}` never reach this code. Only the two other spellings
 * of the page land here, and get the same file (and headers) from the assets binding.
 */
export function mountDashboard(app: App): void {
  const page = (c: { req: { url: string }; env: { ASSETS: Fetcher } }) => c.env.ASSETS.fetch(new URL('/', c.req.url));
  app.get('/dashboard', page);
  app.get('/dashboard/', page);
}
