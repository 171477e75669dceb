/**
 * Launches Debian's headless Chromium (/usr/bin/chromium, installed by
 * .ci/run) through playwright-core; no browser is ever downloaded. Each
 * browser context gets a fresh temporary profile, so IndexedDB starts empty
 * and survives page reloads within the context.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser (overridable for other systems). */
const CHROMIUM_PATH = process.env.PLUGHUB_CHROMIUM ?? '/usr/bin/chromium';

/** The flags every launch uses: headless, no sandbox (containers), nothing talking to Google. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium; fails with a clear message when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (.ci/run does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Collects a page's uncaught errors (and console errors, when asked), for assertions and failure messages. */
export function pageProblems(page: Page, options: { console?: boolean } = {}): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  if (options.console) {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
    });
  }
  return problems;
}
