/**
 * ctx.plugins in a real browser (Debian's headless Chromium): a dependent
 * calls its dependency's exported api and entry with each of them in the
 * page's realm or in a module Web Worker (a page under `script-src 'self'
 * blob:`), and an undeclared name is refused.
 */
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './support/bundle.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import type {} from './support/dependencies-page.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

const DEPENDENCY = `
  export const api = { render: (text) => '<h1>' + text + '</h1>', realm: () => typeof document === 'object' ? 'page' : 'worker' };
  export function execute(ctx) { return { text: ctx.get('text'), hasDeadline: ctx.deadline !== undefined }; }`;

const DEPENDENT = `
  export async function execute(ctx) {
    const md = ctx.plugins.get('md-render');
    let undeclared;
    try { ctx.plugins.get('other'); } catch (error) { undeclared = error.message; }
    return {
      html: await md.render(ctx.get('text')),
      realms: [await md.realm(), typeof document === 'object' ? 'page' : 'worker'],
      ran: await ctx.plugins.execute('md-render', { values: { text: 'entry' }, timeoutMs: 5000 }),
      undeclared,
    };
  }`;

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  const script = await bundleForBrowser(fileURLToPath(new URL('./support/dependencies-page.ts', import.meta.url)));
  [server, browser] = await Promise.all([
    startStaticServer({
      '/app.js': { body: script, type: 'text/javascript; charset=utf-8' },
      '/index.html': {
        body: '<!doctype html><meta charset="utf-8"><title>dependencies</title><script type="module" src="/app.js"></script>\n',
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

describe('ctx.plugins in Chromium', () => {
  it.each([
    ['none', 'worker'],
    ['worker', 'none'],
    ['worker', 'worker'],
  ] as const)('the dependency in %s, the dependent in %s', async (dependency, dependent) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = pageProblems(page);
      await page.goto(`${server.origin}/index.html`);
      await page.waitForFunction(() => 'dependencies' in window);
      const outcome = await page.evaluate(({ plugins, isolation }) => window.dependencies.run(plugins, isolation, { text: 'hi' }), {
        plugins: { dependency: DEPENDENCY, dependent: DEPENDENT },
        isolation: { dependency, dependent },
      });
      const realm = (isolation: string) => (isolation === 'worker' ? 'worker' : 'page');
      expect(outcome).toEqual({
        ok: true,
        value: {
          html: '<h1>hi</h1>',
          realms: [realm(dependency), realm(dependent)],
          ran: { text: 'entry', hasDeadline: true },
          undeclared: 'app@1.0.0: ctx.plugins.get: other is not among the dependencies app@1.0.0 declares (md-render)',
        },
      });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
