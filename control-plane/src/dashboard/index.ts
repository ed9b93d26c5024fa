import type { App } from '../api/http';
import { buildAppJs } from './script';
import { PAGE } from './page';
import { STYLES } from './styles';

/**
 * No inline script or style, and nothing but this origin: if some user string ever slipped past
 * escaping, the browser still would not run it.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function asset(body: string, type: string): Response {
  return new Response(body, {
    headers: {
      'content-type': `${type}; charset=utf-8`,
      'cache-control': 'no-cache',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  });
}

/** The dashboard, served by the Worker itself. Its routes need no token: the page holds no data. */
export function mountDashboard(app: App): void {
  let js: string | null = null;
  const page = () => asset(PAGE, 'text/html');
  app.get('/', page);
  app.get('/dashboard', page);
  app.get('/dashboard/', page);
  app.get('/dashboard/app.js', () => asset((js ??= buildAppJs()), 'text/javascript'));
  app.get('/dashboard/styles.css', () => asset(STYLES, 'text/css'));
}
