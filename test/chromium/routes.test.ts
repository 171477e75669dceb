/**
 * host.fetch in a real browser (Debian's headless Chromium): plugins with
 * routes served in the page and in module Web Workers, where the request
 * and the response cross the worker boundary as bytes; params, query, a
 * request body, a fetch handler, 404 and 405, overlap refusal and unload.
 */
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FETCH_HANDLER, ROUTE_ECHO } from '../contracts/route-serving.js';
import { bundleForBrowser } from './support/bundle.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import type {} from './support/routes-page.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  const bundle = await bundleForBrowser(fileURLToPath(new URL('./support/routes-page.ts', import.meta.url)));
  [server, browser] = await Promise.all([
    startStaticServer({
      '/app.js': { body: bundle, type: 'text/javascript; charset=utf-8' },
      '/index.html': {
        body: '<!doctype html><meta charset="utf-8"><title>routes</title><script type="module" src="/app.js"></script>\n',
        type: 'text/html; charset=utf-8',
        headers: { 'content-security-policy': "default-src 'none'; script-src 'self' blob:" },
      },
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each(['none', 'worker'] as const)('host.fetch in Chromium, isolation %s', (isolation) => {
  it('serves routes: params, query, a request body, a fetch handler, 404, 405, overlaps refused, unload', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = pageProblems(page);
      await page.goto(`${server.origin}/index.html`);
      await page.waitForFunction(() => 'routes' in window);
      const outcome = await page.evaluate(
        async ({ echo, handler, isolation }) => {
          const { routes } = window;
          const loaded = [
            await routes.load(
              'sample',
              '1.0.0',
              echo,
              [
                { route: '/api/plugin/sample/:id', method: 'GET', label: 'plugin.get' },
                { route: '/api/plugin/sample/:id', method: 'POST', label: 'plugin.post' },
              ],
              isolation,
            ),
            await routes.load('handler', '1.0.0', handler, [{ route: '/h/:id', method: 'PUT', label: 'h.put' }], isolation),
            await routes.load('overlap', '1.0.0', echo, [{ route: '/api/plugin/sample/new', method: 'GET', label: 'o' }], isolation),
          ];
          const got = await routes.fetch('/api/plugin/sample/a%2Fb?q=1&q=2');
          const posted = await routes.fetch('/api/plugin/sample/7', { method: 'POST', body: 'from the page' });
          const handled = await routes.fetch('/h/42', { method: 'PUT', body: 'x' });
          const missing = await routes.fetch('/nothing');
          const wrong = await routes.fetch('/api/plugin/sample/1', { method: 'DELETE' });
          await routes.unload('sample');
          const gone = await routes.fetch('/api/plugin/sample/1');
          return { loaded, got, posted, handled, missing, wrong, gone };
        },
        { echo: ROUTE_ECHO, handler: FETCH_HANDLER, isolation },
      );
      expect(outcome.loaded[0]).toBeUndefined();
      expect(outcome.loaded[1]).toBeUndefined();
      expect(outcome.loaded[2]).toContain(
        'RouteConflictError: overlap@1.0.0: route GET /api/plugin/sample/new overlaps the route of sample@1.0.0 GET /api/plugin/sample/:id',
      );
      expect(JSON.parse(outcome.got.body)).toMatchObject({ version: '1.0.0', label: 'plugin.get', params: { id: 'a/b' }, query: ['1', '2'], method: 'GET' });
      expect(JSON.parse(outcome.posted.body)).toMatchObject({ label: 'plugin.post', params: { id: '7' }, body: 'from the page' });
      expect(outcome.handled.status).toBe(202);
      expect(JSON.parse(outcome.handled.body)).toEqual({ via: 'fetch', method: 'PUT', label: 'h.put', id: '42', same: true });
      expect(outcome.missing.status).toBe(404);
      expect(JSON.parse(outcome.missing.body)).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route matches GET /nothing' } });
      expect([outcome.wrong.status, outcome.wrong.allow]).toEqual([405, 'GET, POST, HEAD, OPTIONS']);
      expect(outcome.gone.status).toBe(404);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
