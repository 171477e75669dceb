/**
 * The registry's pages in Debian's headless Chromium, used as a person
 * would: search as you type, open a plugin, read its README, copy a
 * snippet, yank a version with a token and see it in the list, move a
 * dist-tag, and be refused with a token for other plugins. A hostile README
 * runs nothing; the pages' CSP blocks inline script; axe-core finds no
 * serious violation on any page in light and dark, desktop and phone; each
 * is saved as a screenshot under test-results/screenshots (git-ignored).
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import { startSeededRegistry, type SeededRegistry } from './support/registry-pages-seed.js';

const SCREENSHOTS = 'test-results/screenshots';
const DESKTOP = { width: 1200, height: 900 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
let registry: SeededRegistry;

beforeAll(async () => {
  [registry, browser] = await Promise.all([startSeededRegistry({ extraPlugins: 22 }), launchChromium()]);
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await registry?.close();
});

/** Runs `test` on a fresh page; fails on uncaught page errors and console errors, except those the test provokes (`expected`). */
async function withPage(
  test: (page: Page, context: BrowserContext) => Promise<void>,
  options: Parameters<Browser['newContext']>[0] = {},
  expected?: RegExp,
): Promise<void> {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  try {
    const page = await context.newPage();
    const problems = pageProblems(page, { console: true });
    await test(page, context);
    expect(problems.filter((problem) => !expected?.test(problem))).toEqual([]);
  } finally {
    await context.close();
  }
}

describe('registry pages in Chromium', () => {
  it('searches as the visitor types, without reloading the page', async () => {
    await withPage(async (page) => {
      await page.goto(`${registry.url}/`);
      await expect.poll(() => page.locator('ol.results li').count()).toBe(20);
      await page.evaluate(() => Object.assign(window, { stayed: true }));
      await page.locator('#q').pressSequentially('markd', { delay: 20 });
      await expect.poll(() => page.locator('ol.results a.name').allTextContents()).toEqual(['md-render']);
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      expect(new URL(page.url()).search).toBe('?q=markd');
      await expect.poll(() => page.locator('#results [role=status]').textContent()).toContain('1 plugin');
      await page.locator('#q').fill('');
      await page.locator('#q').pressSequentially('nothing-like-this', { delay: 10 });
      await expect.poll(() => page.locator('#results [role=status]').textContent()).toContain('0 plugins');
    });
  });

  it('opens a plugin, shows its README and copies a snippet', async () => {
    await withPage(
      async (page) => {
        await page.goto(`${registry.url}/?q=markdown`);
        await page.locator('ol.results a.name', { hasText: 'md-render' }).click();
        await page.waitForURL(`${registry.url}/plugins/md-render`);
        await expect.poll(() => page.locator('#readme + .readme h1').textContent()).toBe('Markdown renderer');
        expect(await page.locator('#readme + .readme table td').first().textContent()).toBe('gfm');
        await page.locator('#changelog + details summary').click();
        await expect.poll(() => page.locator('#changelog + details li').first().textContent()).toBe('Tables and task lists render.');
        expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
        await page.locator('button[data-copy=snippet-node]').click();
        await expect.poll(() => page.locator('button[data-copy=snippet-node]').textContent()).toBe('Copied');
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        expect(copied).toBe(await page.locator('#snippet-node').textContent());
        expect(copied).toContain(`createPluginHost({ registry: '${registry.url}' })`);
        expect(copied).toContain("await host.load('md-render@^1.1.0');");
      },
      { permissions: ['clipboard-read', 'clipboard-write'] },
    );
  });

  it('runs nothing from a hostile README, even when its links are clicked', async () => {
    await withPage(async (page) => {
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${registry.url}/plugins/hostile`);
      await expect.poll(() => page.locator('.readme h1').textContent()).toBe('Totally normal plugin');
      expect(await page.locator('.readme script, .readme iframe, .readme svg, .readme form, .readme [onerror], .readme [onload]').count()).toBe(0);
      const links = page.locator('.readme a');
      for (let index = 0; index < (await links.count()); index++) {
        expect((await links.nth(index).getAttribute('href')) ?? '').not.toMatch(/^javascript:/i);
      }
      if ((await page.locator('#evil-link').count()) > 0) await page.locator('#evil-link').click();
      expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
      expect(violations).toEqual([]);
    });
  });

  it('blocks inline script with its Content-Security-Policy', async () => {
    await withPage(
      async (page) => {
        const response = await page.goto(`${registry.url}/`);
        expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
        const blocked = page.waitForEvent('console', (message) => /Content Security Policy/.test(message.text()));
        await page.evaluate(() => {
          const script = document.createElement('script');
          script.textContent = 'window.__inline = true';
          document.body.append(script);
        });
        await blocked;
        expect(await page.evaluate(() => (window as unknown as { __inline?: boolean }).__inline)).toBeUndefined();
      },
      {},
      /violates the following Content Security Policy directive 'script-src 'self''/,
    );
  });

  it('yanks a version with a token, after confirming, and the list shows it', async () => {
    await withPage(async (page) => {
      await page.goto(`${registry.url}/plugins/md-render`);
      await page.locator('#owner-token').fill(registry.adminToken);
      await page.locator('#owner-version').selectOption('1.1.0');
      await page.locator('button[data-action=yank]').click();
      await expect.poll(() => page.locator('#owner-confirm-text').textContent()).toBe('Yank md-render@1.1.0?');
      expect(await page.locator('tr[data-version="1.1.0"] .tag.yanked').count()).toBe(0);
      await page.locator('button[data-action=confirm]').click();
      await expect.poll(() => page.locator('#owner-status').textContent()).toBe('md-render@1.1.0 yanked.');
      await expect.poll(() => page.locator('tr[data-version="1.1.0"] .tag.yanked').count()).toBe(1);
      expect(await page.locator('tr[data-version="1.0.0"] .tag').allTextContents()).toEqual(['latest']);
      expect(await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length])).toEqual(['', 0, 0]);
      expect(page.url()).not.toContain(registry.adminToken);
      await page.goto(`${registry.url}/?q=md-render`);
      expect(await page.locator('ol.results li', { hasText: 'md-render' }).locator('.badge').textContent()).toBe('1.0.0');
      await page.goto(`${registry.url}/plugins/md-render?v=1.1.0`);
      await page.locator('#owner-token').fill(registry.adminToken);
      await page.locator('#owner-version').selectOption('1.1.0');
      await page.locator('button[data-action=unyank]').click();
      await page.locator('button[data-action=confirm]').click();
      await expect.poll(() => page.locator('#owner-status').textContent()).toBe('md-render@1.1.0 restored.');
    });
  });

  it('moves a dist-tag, and shows the API refusal for a token of other plugins', async () => {
    await withPage(
      async (page) => {
        await page.goto(`${registry.url}/plugins/md-render`);
        await page.locator('#owner-token').fill(registry.adminToken);
        await page.locator('#owner-tag').fill('stable');
        await page.locator('#owner-tag-version').selectOption('1.0.0');
        await page.locator('button[data-action=tag]').click();
        await page.locator('button[data-action=confirm]').click();
        await expect.poll(() => page.locator('#owner-status').textContent()).toBe('stable now points to 1.0.0.');
        await expect.poll(() => page.locator('tr[data-version="1.0.0"] .tag').allTextContents()).toContain('stable');
        await page.locator('#owner-token').fill(registry.otherToken);
        await page.locator('#owner-version').selectOption('1.0.0');
        await page.locator('button[data-action=yank]').click();
        await page.locator('button[data-action=cancel]').click();
        await expect.poll(() => page.locator('#owner-status').textContent()).toBe('Cancelled.');
        await page.locator('button[data-action=yank]').click();
        await page.locator('button[data-action=confirm]').click();
        await expect.poll(() => page.locator('#owner-status').textContent()).toMatch(/may not publish md-render|not allowed|md-render/);
        expect(await page.locator('#owner-status').getAttribute('class')).toContain('error');
        expect(await page.locator('tr[data-version="1.0.0"] .tag.yanked').count()).toBe(0);
      },
      {},
      /status of 403 \(Forbidden\)/,
    );
  });

  it('keeps the first page under 100 KB transferred', async () => {
    await withPage(async (page) => {
      let bytes = 0;
      page.on('response', async (response) => {
        bytes += Number(response.headers()['content-length'] ?? (await response.body()).byteLength);
      });
      await page.goto(`${registry.url}/`, { waitUntil: 'networkidle' });
      expect(bytes).toBeGreaterThan(5_000);
      expect(bytes).toBeLessThan(100 * 1024);
    });
  });

  const PAGES = [
    ['search', '/'],
    ['plugin', '/plugins/md-render'],
    ['plugin-routes', '/plugins/notes'],
    ['not-found', '/plugins/nothing-here'],
  ] as const;
  for (const [name, path] of PAGES) {
    it(`${name}: no serious accessibility violation, light and dark, desktop and phone (screenshots)`, async () => {
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const [size, viewport] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          const context = await browser.newContext({ colorScheme, viewport, isMobile: size === 'phone' });
          try {
            const page = await context.newPage();
            await page.goto(`${registry.url}${path}`);
            expect(await seriousViolations(page), `${name} ${colorScheme} ${size}`).toEqual([]);
            await page.screenshot({ path: `${SCREENSHOTS}/registry-${name}-${colorScheme}-${size}.png`, fullPage: true });
            // The README's pictures: the first screen of a page, as a small JPEG.
            if (size === 'desktop') await page.screenshot({ path: `${SCREENSHOTS}/registry-${name}-${colorScheme}.jpg`, type: 'jpeg', quality: 70 });
          } finally {
            await context.close();
          }
        }
      }
    });
  }

  it('is usable from the keyboard: skip link, search, results', async () => {
    await withPage(async (page) => {
      await page.goto(`${registry.url}/`);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
      await page.keyboard.type('greet');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\?q=greet/);
      await page.locator('ol.results a.name').first().focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(`${registry.url}/plugins/@acme/greeter`);
    });
  });
});
