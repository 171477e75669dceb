/**
 * Signed registry metadata in real Chromium: the example host page, given
 * `trustedKeys`, loads from the real signing registry; refuses it under a key
 * it does not trust and caches nothing; loads an export (`exportRegistry`, as
 * `plughub export` writes it) served by a plain static server on another
 * origin; refuses that export with one byte changed; and after a page reload
 * (same IndexedDB) refuses an older signed document as a rollback.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, type GeneratedSigningKey } from '../../src/core/trust/envelope.js';
import { createMemorySigningStore, exportRegistry, Signer } from '../../registry-server/index.js';
import { GREETER } from './plugins.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import { serveHostPage } from './support/host-page.js';
import { indexedDbKeys, openHost, runPlugin, waitForStatus } from './support/page-driver.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

let browser: Browser;
let key: GeneratedSigningKey;
let server: TestRegistry;
let mirror: StaticServer;
let pages: Awaited<ReturnType<typeof serveHostPage>>;
/** Files of two exports (the second signed later, with a higher version): path → bytes. */
let first: Map<string, Uint8Array>;
let second: Map<string, Uint8Array>;

async function exportFiles(signing: ConstructorParameters<typeof Signer>[0]): Promise<Map<string, Uint8Array>> {
  const out = await mkdtemp(join(tmpdir(), 'plughub-chromium-export-'));
  try {
    await exportRegistry({ storage: server.storage, signer: new Signer(signing, Date.now), out, ttlMs: 24 * 60 * 60 * 1000 });
    const files = new Map<string, Uint8Array>();
    for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
      if (entry.isFile())
        files.set(`/${relative(out, join(entry.parentPath, entry.name)).split('\\').join('/')}`, await readFile(join(entry.parentPath, entry.name)));
    }
    return files;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Serves `files` on the mirror, each readable cross-origin. */
function mirrorFiles(files: Map<string, Uint8Array>) {
  for (const [path, body] of files) mirror.set(path, { body, type: 'application/json', headers: { 'access-control-allow-origin': '*' } });
}

beforeAll(async () => {
  key = await generateSigningKey();
  const signing = { store: createMemorySigningStore(), key };
  server = await startRegistry({ signing });
  await server.publish('greeter', '1.0.0', GREETER);
  first = await exportFiles(signing);
  second = await exportFiles(signing);
  mirror = await startStaticServer();
  mirrorFiles(second);
  [pages, browser] = await Promise.all([serveHostPage([server.url, mirror.origin]), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await mirror?.close();
  await server?.remove();
});

async function withPage(test: (page: Page, context: BrowserContext) => Promise<void>) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = pageProblems(page);
    await test(page, context);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}

const url = (registry: string, trustedKey = key.publicKey) => pages.url('/index.html', { registry, db: 'trust', trustedKeys: trustedKey });

describe('signed metadata in Chromium', () => {
  it('loads from the signing registry with its key trusted, and keeps the envelope and version seen in IndexedDB', () =>
    withPage(async (page) => {
      await openHost(page, url(server.url));
      expect(await runPlugin(page, 'greeter@^1', { who: 'trust' })).toMatchObject({ status: 'done', result: 'Hello, trust! (greeter@1.0.0 via blob)' });
      await page.evaluate(() => window.plughubExample.host.settled()); // the caches are written after the load resolves
      const keys = await indexedDbKeys(page, 'trust');
      expect(keys).toContainEqual(['trust-version', `plughub:${key.keyid}`, 'document greeter']);
      const cached = await page.evaluate((registry) => window.plughubExample.host.documents.get(registry, 'greeter'), server.url);
      expect(cached?.envelope?.payloadType).toBe('application/vnd.plughub.document+json');
    }));

  it('refuses the registry under a key it does not trust, and caches nothing', async () => {
    const stranger = await generateSigningKey();
    await withPage(async (page) => {
      await openHost(page, url(server.url, stranger.publicKey));
      const outcome = await runPlugin(page, 'greeter', {});
      expect(outcome).toMatchObject({ status: 'failed', code: 'E_SIGNATURE' });
      expect(outcome.error).toMatch(/^SignatureError: greeter \(.*\/v1\/plugins\/greeter\): signed by no trusted key/);
      expect(await page.evaluate(() => window.plughubExample.host.cache.list())).toEqual([]);
      expect((await indexedDbKeys(page, 'trust')).filter((k) => JSON.stringify(k).startsWith('["document"'))).toEqual([]);
    });
  });

  it('loads an export served by a plain static server, refuses it with one byte changed', () =>
    withPage(async (page) => {
      await openHost(page, url(mirror.origin));
      expect((await runPlugin(page, 'greeter', { who: 'mirror' })).result).toBe('Hello, mirror! (greeter@1.0.0 via blob)');
      const path = '/v1/plugins/greeter';
      const bytes = new Uint8Array(second.get(path)!);
      const text = new TextDecoder().decode(bytes);
      const at = text.indexOf('size') + 7;
      bytes[at] = 48 + ((bytes[at]! - 48 + 1) % 10);
      mirror.set(path, { body: bytes, type: 'application/json', headers: { 'access-control-allow-origin': '*' } });
      try {
        await page.reload();
        await waitForStatus(page, ['ready']);
        const outcome = await runPlugin(page, 'greeter', {});
        expect(outcome).toMatchObject({ status: 'failed', code: 'E_SIGNATURE' });
      } finally {
        mirrorFiles(second);
      }
    }));

  it('refuses an older signed document after a reload (same IndexedDB) as a rollback', () =>
    withPage(async (page) => {
      await openHost(page, url(mirror.origin));
      expect((await runPlugin(page, 'greeter', { who: 'new' })).status).toBe('done');
      mirrorFiles(first);
      try {
        await page.reload();
        await waitForStatus(page, ['ready']);
        const outcome = await runPlugin(page, 'greeter', {});
        expect(outcome).toMatchObject({ status: 'failed', code: 'E_ROLLBACK' });
        expect(outcome.error).toMatch(/is older than version \d+ already seen \(rollback\)/);
      } finally {
        mirrorFiles(second);
      }
    }));
});
