/**
 * Plugin isolation in a real browser (Debian's headless Chromium): a page
 * under `Content-Security-Policy: script-src 'self' blob:` (no worker-src, so
 * script-src governs workers) runs plugins in module Web Workers started by
 * the browser spawner. The same bundles as the Node suite: values and host
 * calls cross, a deadline and an unload stop a plugin stuck in
 * `while (true) {}`, a crash (a throw in a timer, an unhandled rejection,
 * `self.close()`) fails its calls clearly and the next call runs on a fresh
 * worker, a cooperative plugin sees the cancellation; workers import
 * through the scheme the page's own loader found allowed; and a page whose
 * policy refuses blob: workers gets a PluginLoadError that says so.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COOPERATIVE, CRASHES_BY_REJECTION, CRASHES_IN_TIMER, ECHO, HOST_CALLER, LOOPS, crashing } from '../contracts/isolation-plugins.js';
import { GREETER } from './plugins.js';
import { bundleForBrowser } from './support/bundle.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import type {} from './support/isolation-page.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  const bundle = await bundleForBrowser(fileURLToPath(new URL('./support/isolation-page.ts', import.meta.url)));
  const html = '<!doctype html><meta charset="utf-8"><title>isolation</title><script type="module" src="/app.js"></script>\n';
  const page = (scripts: string) => ({
    body: html,
    type: 'text/html; charset=utf-8',
    headers: { 'content-security-policy': `default-src 'none'; script-src ${scripts}` },
  });
  [server, browser] = await Promise.all([
    startStaticServer({
      '/app.js': { body: bundle, type: 'text/javascript; charset=utf-8' },
      '/index.html': page("'self' blob:"),
      '/no-blob.html': page("'self'"),
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs `test` on a fresh page (fresh browser context) that has loaded the isolation script; fails on uncaught page errors. */
async function withPage(test: (page: Page) => Promise<void>, path = '/index.html') {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = pageProblems(page);
    await page.goto(`${server.origin}${path}`);
    await page.waitForFunction(() => 'isolation' in window);
    await test(page);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}

describe('isolation: module Web Workers in Chromium', () => {
  it('runs a plugin in a worker: values, label and deadline cross as structured clones, ctx.host calls and ctx.log reach the page', () =>
    withPage(async (page) => {
      const outcome = await page.evaluate(
        async ({ echo, hostCaller, greeter }) => {
          await window.isolation.load('echo', echo);
          await window.isolation.load('host-caller', hostCaller);
          await window.isolation.load('greeter', greeter);
          const greeted = await window.isolation.run('greeter', { values: { who: 'Chromium' } });
          const echoed = await window.isolation.run('echo', {
            values: { who: 'chromium', values: { when: new Date(0), list: [1, 2] } },
            label: 'GET /echo',
            timeoutMs: 5_000,
          });
          const when = echoed.ok ? (echoed.value as { values: { when: unknown } }).values.when : undefined;
          const called = await window.isolation.run('host-caller', { values: { key: 'k' } });
          return { echoed, isDate: when instanceof Date, called, logs: window.isolation.logs, greeted, notes: window.isolation.notes };
        },
        { echo: ECHO, hostCaller: HOST_CALLER, greeter: GREETER },
      );
      expect(outcome.echoed).toEqual({
        ok: true,
        value: { calls: 1, who: 'chromium', values: { when: new Date(0), list: [1, 2] }, label: 'GET /echo', hasDeadline: true, plugin: 'echo@1.0.0' },
      });
      expect(outcome.isDate).toBe(true);
      expect(outcome.called).toEqual({ ok: true, value: { sum: 5, stored: 'value of k', failure: 'RangeError: store refused: nope' } });
      expect(outcome.logs).toEqual([['[host-caller@1.0.0]', 'stored', 'value of k']]);
      // The example page's plugin, unchanged: `ctx.host?.note?.()` works, and the worker imported it from a blob: URL.
      expect(outcome.greeted).toEqual({ ok: true, value: 'Hello, Chromium! (greeter@1.0.0 via blob)' });
      expect(outcome.notes).toEqual(['greeting Chromium']);
    }));

  it('a deadline stops a plugin looping forever; the next call runs on a fresh worker', () =>
    withPage(async (page) => {
      const outcome = await page.evaluate(async (loops) => {
        await window.isolation.load('loops', loops);
        const started = performance.now();
        const looped = await window.isolation.run('loops', { values: { loop: true }, timeoutMs: 100 });
        const elapsed = performance.now() - started;
        const next = await window.isolation.run('loops');
        return { looped, elapsed, next, crashes: window.isolation.crashes, workers: window.isolation.workers() };
      }, LOOPS);
      expect(outcome.looped).toEqual({ ok: false, name: 'DeadlineExceededError', message: 'loops@1.0.0: deadline exceeded after 100 ms', code: 'E_DEADLINE' });
      expect(outcome.elapsed).toBeLessThan(1_000);
      expect(outcome.next).toEqual({ ok: true, value: { calls: 1, activations: ['no state'] } });
      expect(outcome.crashes).toEqual([expect.stringMatching(/^loops@1.0.0: the worker was terminated: execute did not stop within 100 ms/)]);
      expect(outcome.workers).toEqual({ spawned: 2, terminated: 1 });
    }));

  it('unload stops a plugin looping forever: the call rejects with UnloadedError, the worker goes, and it loads again', () =>
    withPage(async (page) => {
      const outcome = await page.evaluate(async (loops) => {
        await window.isolation.load('loops', loops);
        window.isolation.start('spin', 'loops', { values: { loop: true } });
        await window.isolation.seen('looping');
        await window.isolation.close('loops');
        const spun = await window.isolation.wait('spin');
        const workers = window.isolation.workers();
        await window.isolation.load('loops', loops);
        return { spun, workers, again: await window.isolation.run('loops') };
      }, LOOPS);
      expect(outcome.spun).toEqual({ ok: false, name: 'UnloadedError', message: 'loops@1.0.0 was unloaded', code: 'E_UNLOADED' });
      expect(outcome.workers).toEqual({ spawned: 1, terminated: 1 });
      expect(outcome.again).toEqual({ ok: true, value: { calls: 1, activations: ['no state'] } });
    }));

  it.each<[string, string, string]>([
    ['a throw in a timer', CRASHES_IN_TIMER, 'crash@1.0.0: the worker crashed: TypeError: the timer blew up'],
    ['an unhandled rejection', CRASHES_BY_REJECTION, 'crash@1.0.0: the worker crashed: Error: nobody caught me'],
    ['self.close()', crashing('self.close();'), 'crash@1.0.0: the worker exited with code 0'],
  ])('a crash by %s fails the call with a clear error, and the next call starts a fresh worker', (_how, code, message) =>
    withPage(async (page) => {
      const outcome = await page.evaluate(async (plugin) => {
        await window.isolation.load('crash', plugin);
        const first = await window.isolation.run('crash');
        const crashed = await window.isolation.run('crash', { values: { crash: true } });
        const marked = window.isolation.crashed('crash');
        return { first, crashed, marked, next: await window.isolation.run('crash'), workers: window.isolation.workers() };
      }, code);
      expect(outcome.first).toEqual({ ok: true, value: 'alive, call 1' });
      expect(outcome.crashed).toEqual({ ok: false, name: 'PluginExecutionError', message, code: 'E_EXECUTE' });
      expect(outcome.marked).toBe(message);
      expect(outcome.next).toEqual({ ok: true, value: 'alive, call 1' });
      expect(outcome.workers).toEqual({ spawned: 2, terminated: 1 });
    }),
  );

  it("cancellation reaches a cooperative plugin: its signal aborts with the caller's reason and it can still call the host", () =>
    withPage(async (page) => {
      const outcome = await page.evaluate(async (cooperative) => {
        await window.isolation.load('cooperative', cooperative);
        window.isolation.start('wait', 'cooperative');
        await window.isolation.seen('waiting');
        window.isolation.abort('wait', 'the user gave up');
        const cancelled = await window.isolation.wait('wait');
        await window.isolation.seen('aborted: AbortError');
        return { cancelled, notes: window.isolation.notes, workers: window.isolation.workers() };
      }, COOPERATIVE);
      expect(outcome.cancelled).toEqual({ ok: false, name: 'AbortError', message: 'the user gave up' });
      expect(outcome.notes).toEqual(['waiting', 'aborted: AbortError']);
      expect(outcome.workers).toEqual({ spawned: 1, terminated: 0 });
    }));

  it('workers import through the scheme the page’s loader found allowed (blob: here), not probing data: each', () =>
    withPage(async (page) => {
      expect(await page.evaluate(() => window.isolation.moduleSchemes())).toEqual({ before: ['data', 'blob'], after: ['blob'] });
      const loaded = await page.evaluate((greeter) => window.isolation.load('greeter', greeter), GREETER);
      expect(loaded).toMatchObject({ ok: true });
      expect(await page.evaluate(() => window.isolation.run('greeter', { values: { who: 'worker' } }))).toEqual({
        ok: true,
        value: 'Hello, worker! (greeter@1.0.0 via blob)',
      });
    }));

  it('a page whose policy refuses blob: workers gets a PluginLoadError that names the policy', () =>
    withPage(async (page) => {
      const outcome = await page.evaluate((echo) => window.isolation.load('echo', echo), ECHO);
      expect(outcome).toMatchObject({ ok: false, name: 'PluginLoadError', code: 'E_LOAD' });
      expect((outcome as { message: string }).message).toMatch(/^echo@1.0.0: .*Content-Security-Policy allow worker-src blob:/);
    }, '/no-blob.html'));
});
