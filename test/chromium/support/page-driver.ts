/**
 * Drives the example host page the way a user would — fill the form, press
 * "Load and run" or "Unload" — and reads back what the page shows. Every wait
 * is on the page's own state (the status output, a log line), never a sleep.
 */
import type { Page } from 'playwright-core';

/** What the page shows after a run. */
export interface PageOutcome {
  status: string;
  result: string;
  error: string;
  code: string;
}

/** Opens the page at `url` and waits until its host is ready. */
export async function openHost(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForStatus(page, ['ready']);
}

/** Waits until the status output shows one of `states`. */
export async function waitForStatus(page: Page, states: string[]): Promise<string> {
  const handle = await page.waitForFunction((wanted) => {
    const status = document.getElementById('status')?.textContent ?? '';
    return wanted.includes(status) ? status : undefined;
  }, states);
  return (await handle.jsonValue()) as string;
}

/** Waits until the page's log has a line containing `text`. */
export async function waitForLog(page: Page, text: string): Promise<void> {
  await page.waitForFunction((wanted) => [...document.querySelectorAll('#log li')].some((item) => item.textContent?.includes(wanted)), text);
}

/** The lines of the page's log. */
export function logLines(page: Page): Promise<string[]> {
  return page.$$eval('#log li', (items) => items.map((item) => item.textContent ?? ''));
}

/** Fills the form and presses "Load and run" without waiting for the outcome. */
export async function startRun(page: Page, spec: string, values: Record<string, unknown> = {}): Promise<void> {
  await page.fill('#spec', spec);
  await page.fill('#values', JSON.stringify(values));
  await page.click('#run');
}

/** Reads the outputs of the page. */
export function readOutcome(page: Page): Promise<PageOutcome> {
  return page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent ?? '';
    return { status: text('status'), result: text('result'), error: text('error'), code: document.getElementById('error')?.dataset.code ?? '' };
  });
}

/** Loads and runs `spec` with `values` through the form and returns what the page shows. */
export async function runPlugin(page: Page, spec: string, values: Record<string, unknown> = {}): Promise<PageOutcome> {
  await startRun(page, spec, values);
  await waitForStatus(page, ['done', 'failed']);
  return readOutcome(page);
}

/** Every key in the page's IndexedDB database `database` (store `cache`), read with the raw IndexedDB API. */
export function indexedDbKeys(page: Page, database: string): Promise<unknown[]> {
  return page.evaluate(
    (name) =>
      new Promise<unknown[]>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('cache')) {
            db.close();
            resolve([]);
            return;
          }
          const request = db.transaction('cache', 'readonly').objectStore('cache').getAllKeys();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            db.close();
            resolve(request.result as unknown[]);
          };
        };
      }),
    database,
  );
}
