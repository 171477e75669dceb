/**
 * The management page of a real `plughub host` in Debian's headless
 * Chromium, used as an operator would: load a plugin with the admin token
 * and watch it appear, see an upgrade made elsewhere change the version
 * live from the event stream (no reload), upgrade from the page and "check
 * and upgrade all", unload after a confirmation, and be refused (the API's
 * message) without a token and with a wrong one; with protected reads the
 * page lists only once a token is typed. axe-core finds no serious
 * violation in light and dark, desktop and phone; each is saved as a
 * screenshot under test-results/screenshots (git-ignored).
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import { startHostUiService, type HostUiService } from './support/host-ui-service.js';

const SCREENSHOTS = 'test-results/screenshots';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
let host: HostUiService;

beforeAll(async () => {
  [host, browser] = await Promise.all([startHostUiService({ isolation: 'worker' }), launchChromium()]);
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
});

/** Runs `test` on a fresh page of `/ui`; fails on page errors and console errors, except those the test provokes (`expected`). */
async function withPage(test: (page: Page) => Promise<void>, expected?: RegExp, url = host.url): Promise<void> {
  const context = await browser.newContext({ viewport: DESKTOP });
  try {
    const page = await context.newPage();
    const problems = pageProblems(page, { console: true });
    await page.goto(`${url}/ui`);
    await expect.poll(() => page.locator('#events-status').textContent()).toBe('Live updates on.');
    await test(page);
    expect(problems.filter((problem) => !expected?.test(problem))).toEqual([]);
  } finally {
    await context.close();
  }
}

const version = (page: Page, name: string) => page.locator(`tr[data-plugin="${name}"] td.version`).textContent();

/** What the host's API answers to `method path` with the admin token. */
async function api(method: string, path: string): Promise<Response> {
  return fetch(`${host.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${host.adminToken}` } });
}

describe('the host management page in Chromium', () => {
  it('lists the loaded plugins with their version, isolation, state and routes', async () => {
    await withPage(async (page) => {
      expect(await page.locator('#plugins tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-plugin')))).toEqual([
        'local-tool',
        'hello',
      ]);
      const hello = page.locator('tr[data-plugin="hello"]');
      expect(await hello.locator('td').nth(1).textContent()).toBe('worker');
      expect(await hello.locator('.tag.serving').textContent()).toBe('serving');
      expect(await hello.locator('code').textContent()).toBe('GET /hello/:id');
      expect(await hello.locator('button[data-action=upgrade]').count()).toBe(1);
      expect(await page.locator('tr[data-plugin="local-tool"] button[data-action=reload]').count()).toBe(1);
    });
  });

  it('loads a plugin with the admin token, and it appears', async () => {
    await host.publish('notes', '1.0.0', 'n1');
    await withPage(async (page) => {
      await page.evaluate(() => Object.assign(window, { stayed: true }));
      await page.locator('#token').fill(host.adminToken);
      await page.locator('#load-spec').fill('notes@^1');
      await page.locator('#load-form button[type=submit]').click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('notes@1.0.0 loaded.');
      await expect.poll(() => version(page, 'notes')).toBe('1.0.0');
      expect(await page.locator('#status').getAttribute('class')).toContain('ok');
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      expect(await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length])).toEqual(['', 0, 0]);
      expect(page.url()).toBe(`${host.url}/ui`);
    });
  });

  it('shows an upgrade made elsewhere live, from the event stream, without a reload', async () => {
    await withPage(async (page) => {
      await page.evaluate(() => Object.assign(window, { stayed: true }));
      expect(await version(page, 'hello')).toBe('1.0.0');
      await host.publish('hello', '1.1.0', 'h2');
      expect((await api('POST', '/plugins/hello/upgrade')).status).toBe(200);
      await expect.poll(() => version(page, 'hello')).toBe('1.1.0');
      await expect.poll(() => page.locator('#events-status').textContent()).toMatch(/hello upgraded from 1\.0\.0 to 1\.1\.0\.|hello@1\.0\.0 retired\./);
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    });
  });

  it('upgrades from the page, one plugin and then all, and shows what moved', async () => {
    await withPage(async (page) => {
      await page.locator('#token').fill(host.adminToken);
      await host.publish('notes', '1.1.0', 'n2');
      await page.locator('tr[data-plugin="notes"] button[data-action=upgrade]').click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('notes upgraded from 1.0.0 to 1.1.0.');
      await expect.poll(() => version(page, 'notes')).toBe('1.1.0');
      await host.publish('hello', '1.2.0', 'h3');
      await page.locator('#upgrade-all').click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('Checked: 1 upgraded, 0 failed.');
      expect(await page.locator('#updates li').allTextContents()).toEqual(['hello: 1.1.0 → 1.2.0']);
      await expect.poll(() => version(page, 'hello')).toBe('1.2.0');
    });
  });

  it('refuses a change without a token and with a wrong one, showing the API message', async () => {
    await withPage(async (page) => {
      await page.locator('tr[data-plugin="hello"] button[data-action=upgrade]').click();
      await expect.poll(() => page.locator('#status').getAttribute('class')).toContain('error');
      expect(await page.locator('#status').textContent()).toBe('this needs a token: send Authorization: Bearer <token>');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
      await page.locator('#token').fill('not-a-real-token');
      await page.locator('tr[data-plugin="notes"] button[data-action=unload]').click();
      await page.locator('#confirm button[data-action=confirm]').click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('the token is not valid (mistyped, or revoked)');
      await page.locator('#token').fill(host.readerToken);
      await page.locator('tr[data-plugin="hello"] button[data-action=upgrade]').click();
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/may not change the plugin host: changes need a token with the admin scope/);
      expect(await version(page, 'notes')).toBe('1.1.0');
      expect(await version(page, 'hello')).toBe('1.2.0');
    }, /status of 40[13]/);
  });

  it('shows a failed load with the API message and in the recent errors, live', async () => {
    await withPage(async (page) => {
      await page.locator('#token').fill(host.adminToken);
      await page.locator('#load-spec').fill('missing@^1');
      await page.locator('#load-form button[type=submit]').click();
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/no plugin named missing/);
      await expect.poll(() => page.locator('#errors li').first().textContent()).toMatch(/^load missing E_REGISTRY/);
      expect(await page.locator('#events-status').textContent()).toMatch(/missing failed to load: .*no plugin named missing/);
    }, /status of 404/);
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious accessibility violation in ${colorScheme}, desktop and phone (screenshots)`, async () => {
      // Some traffic, so that the figures show.
      for (const path of ['/hello/1', '/hello/2', '/notes/1', '/local-tool/1']) expect((await fetch(`${host.url}${path}`)).status).toBe(200);
      for (const [size, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const context = await browser.newContext({ colorScheme, viewport, isMobile: size === 'phone' });
        try {
          const page = await context.newPage();
          await page.goto(`${host.url}/ui`);
          await expect.poll(() => page.locator('#events-status').textContent()).toBe('Live updates on.');
          expect(await seriousViolations(page), `${colorScheme} ${size}`).toEqual([]);
          await page.screenshot({ path: `${SCREENSHOTS}/host-ui-${colorScheme}-${size}.png`, fullPage: true });
          if (size === 'desktop') await page.screenshot({ path: `${SCREENSHOTS}/host-ui-${colorScheme}.jpg`, type: 'jpeg', quality: 70 });
        } finally {
          await context.close();
        }
      }
    });
  }

  it('unloads a plugin after a confirmation, and cancels on request', async () => {
    await withPage(async (page) => {
      await page.locator('#token').fill(host.adminToken);
      await page.locator('tr[data-plugin="notes"] button[data-action=unload]').click();
      await expect.poll(() => page.locator('#confirm-text').textContent()).toBe('Unload notes? Its routes stop answering.');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-action'))).toBe('confirm');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#status').textContent()).toBe('Cancelled.');
      expect(await page.locator('tr[data-plugin="notes"]').count()).toBe(1);
      await page.locator('tr[data-plugin="notes"] button[data-action=unload]').click();
      await page.locator('#confirm button[data-action=confirm]').click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('notes@1.1.0 unloaded.');
      await expect.poll(() => page.locator('tr[data-plugin="notes"]').count()).toBe(0);
      expect((await api('GET', '/plugins/notes')).status).toBe(404);
    });
  });

  it('with reads that need a token, lists the plugins only once one is typed', async () => {
    const guarded = await startHostUiService({ readAccess: 'token' });
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      const page = await context.newPage();
      const problems = pageProblems(page, { console: true });
      await page.goto(`${guarded.url}/ui`);
      expect(await page.locator('#live .notice').textContent()).toMatch(/needs a token/);
      expect(await page.locator('#plugins').count()).toBe(0);
      await page.locator('#token').fill('wrong');
      await page.locator('#token').blur();
      await expect.poll(() => page.locator('#live .notice').textContent()).toBe('the token is not valid (mistyped, or revoked)');
      // The event stream is refused on its own request, which may answer after the redraw's.
      await expect.poll(() => page.locator('#events-status').textContent()).toMatch(/^Live updates are off: /);
      await page.locator('#token').fill(guarded.readerToken);
      await page.locator('#token').blur();
      await expect.poll(() => version(page, 'hello')).toBe('1.0.0');
      await expect.poll(() => page.locator('#events-status').textContent()).toBe('Live updates on.');
      await guarded.publish('hello', '1.1.0', 'h2');
      await fetch(`${guarded.url}/api/v1/plugins/hello/upgrade`, { method: 'POST', headers: { authorization: `Bearer ${guarded.adminToken}` } });
      await expect.poll(() => version(page, 'hello')).toBe('1.1.0');
      expect(problems.filter((problem) => !/status of 401/.test(problem))).toEqual([]);
    } finally {
      await context.close();
      await guarded.close();
    }
  });
});
