/**
 * The dashboard's files as a browser gets them from a real control plane in workerd: the same
 * URLs as ever, no token needed, the strict CSP on each, and the API still behind its token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlane, type TestPlane } from '../helpers/controlPlane';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('dashboard assets', () => {
  let plane: TestPlane;
  beforeAll(async () => {
    plane = await startTestPlane();
  });
  afterAll(async () => {
    await plane?.dispose();
  });

  const get = (path: string) => fetch(plane.url + path, { redirect: 'manual' });

  it.each(['/', '/dashboard', '/dashboard/', '/?token=x'])('serves the page at %s without a token', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await res.text();
    expect(page).toContain('<script src="/dashboard/app.js" defer></script>');
    expect(page).not.toMatch(/<script>|<style>|style="/); // nothing inline: the CSP would block it
  });

  it('serves the script and the stylesheet with the same headers', async () => {
    const js = await get('/dashboard/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('content-security-policy')).toBe(CSP);
    const source = await js.text();
    expect(() => new Function(source)).not.toThrow(); // a classic script: one IIFE, no module syntax
    const css = await get('/dashboard/styles.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('content-security-policy')).toBe(CSP);
    expect(await css.text()).toContain('#log-tail');
  });

  it('leaves the API and unknown paths to the Worker', async () => {
    expect((await get('/v1/jobs')).status).toBe(401);
    expect((await get('/v1/health')).status).toBe(200);
    const missing = await get('/no/such/page');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
