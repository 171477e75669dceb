/**
 * One plugin bundle, two runtimes: the same published bundle is loaded from
 * the same registry by the Node host (plughub/node: filesystem cache, file
 * loader) and by the browser host in Chromium (IndexedDB, blob: URL), run with
 * the same context values, and must give the same answer.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFileLoader, createPluginHost } from '../../src/node/index.js';
import { DIGEST } from './plugins.js';
import { launchChromium } from './support/chromium.js';
import { serveHostPage } from './support/host-page.js';
import { openHost, runPlugin } from './support/page-driver.js';
import { startRegistry, type TestRegistry } from './support/registry.js';

let browser: Browser;
let registry: TestRegistry;
let pages: Awaited<ReturnType<typeof serveHostPage>>;
let cacheDir: string;

beforeAll(async () => {
  registry = await startRegistry();
  await registry.publish('digest', '2.1.0', DIGEST);
  [pages, browser, cacheDir] = await Promise.all([serveHostPage([registry.url]), launchChromium(), mkdtemp(join(tmpdir(), 'plughub-node-cache-'))]);
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await registry?.remove();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

it('gives the same answer in Node and in Chromium', async () => {
  const values = { text: 'the same bundle runs in Node and in the browser, byte for byte', factor: 3 };

  const nodeHost = createPluginHost({
    registry: registry.url,
    cacheDir,
    env: {},
    loader: createFileLoader({ privateDir: `${cacheDir}/modules` }),
  });
  const loaded = await nodeHost.load('digest@^2');
  const inNode = await nodeHost.execute<string>('digest', { values });
  await nodeHost.close();

  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await openHost(page, pages.url('/index.html', { registry: registry.url }));
    const outcome = await runPlugin(page, 'digest@^2', values);
    expect(outcome).toMatchObject({ status: 'done', error: '' });
    expect(outcome.result).toBe(inNode);
    const inBrowser = await page.evaluate(() => window.plughubExample.host.get('digest'));
    expect(inBrowser?.integrity).toBe(loaded.integrity);
  } finally {
    await context.close();
  }
  expect(JSON.parse(inNode)).toEqual({
    plugin: 'digest@2.1.0',
    sha256: createHash('sha256').update(values.text).digest('hex'),
    words: 13,
    longest: 'browser,',
    sum: 3 * 50,
  });
});
