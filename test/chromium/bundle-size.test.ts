/**
 * Keeps the README honest about what plughub/browser costs a web app: the
 * minified + gzipped size it states under "Figures" must be within 5%
 * of what `node scripts/browser-size.mjs` measures on the current build
 * (dist/browser.js bundled with its dependencies by esbuild). Lives with the
 * Chromium tests because it runs in Node against the built output.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('states the minified + gzipped size of plughub/browser in the README within 5%', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [`${root}scripts/browser-size.mjs`, '--json']);
  const measured = (JSON.parse(stdout) as { createPluginHost: { gzipped: number } }).createPluginHost.gzipped / 1024;
  const readme = await readFile(`${root}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Figures\n'));
  const stated = /\*\*([\d.]+) KiB\*\* minified \+ gzipped/.exec(section)?.[1];
  expect(stated, 'README "## Figures" states "**N KiB** minified + gzipped"').toBeDefined();
  expect(
    Math.abs(measured - Number(stated)) / measured,
    `README says ${stated} KiB, the build measures ${measured.toFixed(1)} KiB: update README.md`,
  ).toBeLessThanOrEqual(0.05);
  // The bundle must stay reasonably small for a web page: fail loudly if it balloons.
  expect(measured).toBeLessThan(160);
});
