/**
 * Keeps the README honest about what plughub/browser costs a web app: the
 * minified + gzipped size it states under "Figures" must be within 5%
 * of what `node scripts/browser-size.mjs` measures on the current build
 * (dist/browser.js bundled with its dependencies by esbuild), and the
 * bundle must take zod and semver by their small entry points. Lives with
 * the Chromium tests because it runs in Node against the built output.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Size {
  gzipped: number;
  /** The dependency modules in the bundle, as `package/path/in/it.js`. */
  modules: string[];
}

/** What `scripts/browser-size.mjs --json` measures for an app importing `createPluginHost`. */
async function measureCreatePluginHost(): Promise<Size> {
  const { stdout } = await promisify(execFile)(process.execPath, [`${root}scripts/browser-size.mjs`, '--json']);
  return (JSON.parse(stdout) as { createPluginHost: Size }).createPluginHost;
}

it('states the minified + gzipped size of plughub/browser in the README within 5%', async () => {
  const measured = (await measureCreatePluginHost()).gzipped / 1024;
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

it('takes zod by its functional API and semver by its function modules, not their whole indexes', async () => {
  const { modules } = await measureCreatePluginHost();
  // zod's method-chaining API keeps every method of every schema it builds (about 64 KiB more minified).
  expect(modules.filter((path) => path.startsWith('zod/v4/classic/'))).toEqual([]);
  // zod ships a locale per language; the English one is the only one the messages need.
  expect(modules.filter((path) => path.startsWith('zod/v4/locales/'))).toEqual(['zod/v4/locales/en.js']);
  // semver's index loads every function, range helper and class it has.
  expect(modules).not.toContain('semver/index.js');
  expect(modules).toContain('semver/functions/satisfies.js');
});
