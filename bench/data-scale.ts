/**
 * Scale of the data: how plughub's costs grow with the amount of data it
 * holds. Four cases, each printing its figure, the goal, PASS or FAIL, and a
 * baseline measured in the same run:
 *
 * - `resolve`: resolveVersion (the host's resolution) of ranges, an exact
 *   version, `*`, a prerelease range and dist-tags against a document of
 *   1,000 versions, on the same document object and on a document freshly
 *   parsed from JSON (as the host gets one from the registry); baseline:
 *   semver's own `maxSatisfying` over the same version strings.
 * - `host`: a host with 500 loaded plugins (published to a registry on
 *   127.0.0.1, loaded through it): a load of `name@range` that is already
 *   satisfied, a load of a plugin whose 3 dependencies are loaded,
 *   `list()`, `get()`, `execute()`, an unload; baseline: the same operation
 *   on a host with 10 loaded plugins, in the same run.
 * - `search`: `GET /v1/plugins?q=` over 10,000 plugins on the filesystem
 *   storage over HTTP (prefix, substring, description word, no match) and
 *   the web search page's results; baseline: `Array.filter(includes)` over
 *   the same names in process, and a GET of a plugin document.
 * - `startup`: a registry holding 10,000 plugins of 20 versions on the
 *   filesystem storage, in process (createFsStorage + createRegistry +
 *   serveNode) and as `node dist/cli.js serve` (when built), until a
 *   plugin document and a search answer correctly; baseline: fs.readFile +
 *   JSON.parse of index.json and that document, and of every document.
 *
 * The 10,000-plugin data directory is written directly in the filesystem
 * storage's layout, with the registry's own document builder (addVersion),
 * and its index.json by the storage itself; with `--keep` it stays in the
 * temp folder (named after SEED_FORMAT) for the next run. Not a test: run
 *
 *   npx tsx bench/data-scale.ts [--case resolve,host,search,startup] [--keep]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import maxSatisfying from 'semver/ranges/max-satisfying.js';
import { computeIntegrity, integrityToHex } from '../src/core/integrity.js';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import { createDataUrlLoader, resolveVersion } from '../src/core/plugin/index.js';
import type { PluginDocument, VersionEntry } from '../src/core/registry/index.js';
import { createRegistryClient } from '../src/core/registry/client.js';
import { createHost } from '../src/core/host/create.js';
import {
  addVersion,
  blobPath,
  createFsStorage,
  createMemoryStorage,
  createMemoryTokenStore,
  createRegistry,
  pluginDirectoryName,
  serveNode,
  setYanked,
} from '../registry-server/index.js';
import { median, percentile } from './support/stats.js';

const SEED_FORMAT = 1;
const CASES = ['resolve', 'host', 'search', 'startup'] as const;
const { values } = parseArgs({
  options: {
    case: { type: 'string', default: CASES.join(',') },
    keep: { type: 'boolean', default: false },
    plugins: { type: 'string', default: '10000' },
    versions: { type: 'string', default: '20' },
    loaded: { type: 'string', default: '500' },
    searches: { type: 'string', default: '200' },
  },
});
const cases = new Set(values.case.split(','));
const report: string[] = [];

/** Median and p99 of `samples` (milliseconds). */
function stats(samples: number[]): { median: number; p99: number } {
  return { median: median(samples), p99: percentile(samples, 0.99) };
}

/** Milliseconds per call of `run`, the median of `rounds` rounds of `calls` calls. */
async function perCall(run: () => unknown, calls: number, rounds = 7): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) await run();
    samples.push((performance.now() - start) / calls);
  }
  return stats(samples).median;
}

function ms(value: number): string {
  return value < 0.1 ? `${(value * 1000).toFixed(1)} µs` : `${value.toFixed(value < 10 ? 3 : 1)} ms`;
}

/**
 * Prints a figure against its goal and baseline, and keeps the line for the
 * summary. The goal is a time (`goalMs`), or, with `flat`, at most that
 * ratio to the baseline (a cost that must not grow with the data).
 */
function figure(label: string, value: number, goalMs: number, baseline?: { label: string; value: number }, flat?: number): void {
  const ratio = baseline ? value / baseline.value : undefined;
  const pass = flat !== undefined && ratio !== undefined ? ratio <= flat || value < 0.05 : value < goalMs;
  const goal = flat !== undefined ? `goal ≤ ${flat}x ${baseline?.label}` : `goal < ${ms(goalMs)}`;
  const base = baseline ? `  ${baseline.label} ${ms(baseline.value)}, ${ratio!.toFixed(2)}x` : '';
  const line = `${pass ? 'PASS' : 'FAIL'}  ${label.padEnd(58)} ${ms(value).padStart(10)}  (${goal})${base}`;
  console.log(line);
  report.push(line);
}

// ---------------------------------------------------------------- resolution

/** A document of `count` versions: 0.0.0 … stable, every 10th a prerelease, every 50th yanked, tags latest and beta. */
function documentOf(name: string, count: number): PluginDocument {
  const versions: Record<string, VersionEntry> = {};
  let latest = '0.0.0';
  let beta = '0.0.0';
  for (let i = 0; i < count; i++) {
    const base = `${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`;
    const version = i % 10 === 9 ? `${base}-beta.${i % 7}` : base;
    const entry: VersionEntry = {
      manifest: { name, version, engines: { host: '>=1.0.0' } } as VersionEntry['manifest'],
      dist: { integrity: `sha256-${'A'.repeat(43)}=`, size: 100, url: blobPath('0'.repeat(64)) },
      publishedAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      yanked: i % 50 === 7,
    };
    versions[version] = entry;
    if (version.includes('-')) beta = version;
    else if (!entry.yanked) latest = version;
  }
  return { name, distTags: { latest, beta }, modified: new Date().toISOString(), versions };
}

/** Rounds of the first-resolution figure (each on a fresh copy, after a full GC). */
const FIRST_ROUNDS = 31;

/** V8's full GC, exposed at run time (tsx starts node without --expose-gc). */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Milliseconds of one `run` on a fresh JSON.parse copy of `json`, with the parse and a full GC before the clock starts. */
function timedOnFreshCopy(json: string, run: (copy: PluginDocument) => unknown): number {
  const copy = JSON.parse(json) as PluginDocument;
  collectGarbage();
  const start = performance.now();
  run(copy);
  return performance.now() - start;
}

/** The semver range that means what `range` asks of `document` (a dist-tag is the version it points at; `latest` without one is `*`). */
function baseRangeOf(range: string, document: PluginDocument): string {
  return range === 'latest' ? '*' : range === 'beta' ? document.distTags.beta! : range;
}

async function resolutionCase(): Promise<void> {
  const count = 1000;
  const document = documentOf('big', count);
  const json = JSON.stringify(document);
  const strings = Object.keys(document.versions);
  const parse = await perCall(() => JSON.parse(json), 20);
  console.log(`\n# resolution: a document of ${strings.length} versions (${(json.length / 1024).toFixed(0)} KiB, JSON.parse ${ms(parse)}, not in the figures)`);
  console.log(
    `  first line of each: repeated resolutions of one document; "not resolved before": one resolution of a fresh JSON.parse copy, ` +
      `its parse and a full GC before the clock, median of ${FIRST_ROUNDS}; baseline Object.keys + maxSatisfying on a fresh copy the same way, in the same rounds`,
  );
  const requests: [string, string, boolean?][] = [
    ['caret', '^5.0.0'],
    ['tilde', '~5.5.0'],
    ['exact', '5.5.5'],
    ['any', '*'],
    ['prerelease', '>=9.9.0-beta.0', true],
    ['dist-tag latest', 'latest'],
    ['dist-tag beta', 'beta'],
    ['with host version (^5, host 2.0.0)', '^5.0.0'],
  ];
  for (const [label, range, includePrerelease] of requests) {
    const options = { includePrerelease: includePrerelease === true, ...(label.startsWith('with host') ? { hostVersion: '2.0.0' } : {}) };
    const semverOptions = { includePrerelease: options.includePrerelease };
    const same = await perCall(() => resolveVersion(document, range, options), 50);
    // A document the resolution has never seen, as the host gets one from the registry: each round parses a
    // copy and collects all garbage before the clock starts, then times one resolution; the baseline gets the
    // same for Object.keys + maxSatisfying on a copy of its own, in the same rounds.
    const firstRounds = { resolve: [] as number[], semver: [] as number[] };
    for (let round = 0; round < FIRST_ROUNDS; round++) {
      firstRounds.resolve.push(timedOnFreshCopy(json, (copy) => resolveVersion(copy, range, options)));
      firstRounds.semver.push(timedOnFreshCopy(json, (copy) => maxSatisfying(Object.keys(copy.versions), baseRangeOf(range, document), semverOptions)));
    }
    const fresh = stats(firstRounds.resolve).median;
    const freshBaseline = stats(firstRounds.semver).median;
    const baseline = await perCall(() => maxSatisfying(strings, baseRangeOf(range, document), semverOptions), 50);
    figure(`resolve ${label} "${range}"`, same, 1, { label: 'maxSatisfying', value: baseline });
    figure('  on a document not resolved before', fresh, 1, { label: 'keys+maxSatisfying', value: freshBaseline });
  }
}

// ---------------------------------------------------------------- 500 loaded plugins

/** A small plugin's .plg bytes, with `dependencies`. */
async function smallPlugin(name: string, version: string, dependencies: Record<string, string> = {}): Promise<Uint8Array> {
  const manifest = { name, version, description: `plugin ${name}`, source: { mode: 'esm', path: 'index.js' }, dependencies };
  return collectBytes(
    packPlg([
      { path: 'plugin.json', content: JSON.stringify(manifest) },
      { path: 'index.js', content: `export default { execute() { return ${JSON.stringify(name)}; } };\n` },
    ]),
  );
}

async function hostCase(): Promise<void> {
  const loaded = Number(values.loaded);
  console.log(`\n# a host with ${loaded} loaded plugins (registry on memory storage over HTTP, data: URL loader)`);
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  const server = await serveNode(createRegistry({ storage: createMemoryStorage(), tokens }), { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
  const client = createRegistryClient({ url: server.url, retry: 0 });
  try {
    const publishStart = performance.now();
    for (let i = 0; i < loaded; i++) await client.publish(`p${i}`, '1.0.0', await smallPlugin(`p${i}`, '1.0.0'), { token });
    const probes = 30;
    for (let i = 0; i < probes; i++) {
      const dependencies = { p1: '^1.0.0', p2: '^1.0.0', p3: '^1.0.0' };
      await client.publish(`probe${i}`, '1.0.0', await smallPlugin(`probe${i}`, '1.0.0', dependencies), { token });
    }
    console.log(`published ${loaded + probes} plugins in ${((performance.now() - publishStart) / 1000).toFixed(1)} s`);

    /** The per-operation costs on a host holding `count` plugins. */
    async function measure(count: number) {
      const host = createHost({ registry: client, loader: createDataUrlLoader() });
      const loadStart = performance.now();
      for (let i = 0; i < count; i++) await host.load(`p${i}@^1.0.0`);
      const loadAll = performance.now() - loadStart;
      const last = `p${count - 1}`;
      const satisfied = await perCall(() => host.load(`${last}@^1.0.0`), 200);
      const list = await perCall(() => host.list(), 200);
      const get = await perCall(() => host.get(last), 2000);
      const execute = await perCall(() => host.execute(last), 500);
      const withDependencies: number[] = [];
      const unloads: number[] = [];
      for (let i = 0; i < probes; i++) {
        const start = performance.now();
        await host.load(`probe${i}@^1.0.0`);
        withDependencies.push(performance.now() - start);
        const unloadStart = performance.now();
        await host.unload(`probe${i}`);
        unloads.push(performance.now() - unloadStart);
      }
      await host.close();
      return {
        loadEach: loadAll / count,
        satisfied,
        list,
        get,
        execute,
        withDependencies: stats(withDependencies.slice(5)).median,
        unload: stats(unloads.slice(5)).median,
      };
    }
    const small = await measure(10);
    const large = await measure(loaded);
    // Loads fetch from the registry: their goal is to cost no more with 500 plugins loaded than with 10 (the resolution in them is the `resolve` case).
    const pairs: [string, keyof typeof small, number | undefined][] = [
      ['load of a plugin (resolve, fetch, verify, import), average', 'loadEach', 1.5],
      ['load of a plugin whose 3 dependencies are loaded', 'withDependencies', 1.5],
      ['load of name@range already loaded (resolved on the host)', 'satisfied', undefined],
      ['unload of a plugin (its dependents looked up)', 'unload', undefined],
      ['list()', 'list', undefined],
      ['get(name)', 'get', undefined],
      ['execute(name)', 'execute', undefined],
    ];
    for (const [label, key, flat] of pairs) {
      figure(`${loaded} loaded: ${label}`, large[key], 1, { label: '10 loaded', value: small[key] }, flat);
    }
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- the 10,000-plugin data directory

const WORDS = [
  'markdown',
  'render',
  'image',
  'resize',
  'auth',
  'token',
  'cache',
  'logger',
  'metrics',
  'chart',
  'csv',
  'json',
  'yaml',
  'mail',
  'queue',
  'search',
];
const NOUNS = ['kit', 'tools', 'helper', 'bridge', 'adapter', 'lite', 'pro', 'core'];

/** The name of plugin `i`: `markdown-kit-17`, one in ten scoped (`@team3/…`). */
function seedName(i: number): string {
  const base = `${WORDS[i % WORDS.length]}-${NOUNS[Math.floor(i / WORDS.length) % NOUNS.length]}-${i}`;
  return i % 10 === 0 ? `@team${i % 7}/${base}` : base;
}

/** The seeded data directory (written when missing or not kept): 10,000 plugins × 20 versions, index.json by the storage. */
async function seededDirectory(plugins: number, versions: number): Promise<{ directory: string; sample: string }> {
  const directory = join(tmpdir(), `plughub-bench-data-scale-v${SEED_FORMAT}-${plugins}x${versions}`);
  const sample = seedName(Math.floor(plugins / 2) + 1);
  const marker = join(directory, 'seeded');
  if (existsSync(marker)) {
    // Opened once, as the previous server left it: an index.json written by an older version is brought up to date now, not in the figure.
    const storage = createFsStorage(directory);
    await storage.listPlugins();
    await storage.close();
    console.log(`seeded data: ${directory} (kept from an earlier run)`);
    return { directory, sample };
  }
  await rm(directory, { recursive: true, force: true });
  const started = performance.now();
  const bundle = new TextEncoder().encode('export default { execute() { return 1; } };\n');
  const integrity = await computeIntegrity(bundle);
  const { hex } = integrityToHex(integrity);
  await mkdir(join(directory, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(directory, 'blobs', 'sha256', hex), bundle);
  const now = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < plugins; i++) {
    const name = seedName(i);
    let document: PluginDocument | undefined;
    for (let v = 0; v < versions; v++) {
      const version = `${Math.floor(v / 10)}.${v % 10}.0`;
      const manifest = {
        name,
        version,
        description: `A ${WORDS[(i + 3) % WORDS.length]} ${NOUNS[i % NOUNS.length]} for ${WORDS[(i + 7) % WORDS.length]} in plughub hosts (release ${version}).`,
        keywords: [WORDS[i % WORDS.length]!, WORDS[(i + 5) % WORDS.length]!],
        engines: { host: '>=1.0.0' },
        source: { mode: 'esm', path: 'index.js' },
      };
      const entry: VersionEntry = {
        manifest: manifest as VersionEntry['manifest'],
        dist: { integrity, size: bundle.byteLength, url: blobPath(hex) },
        publishedAt: new Date(now + v * 60_000).toISOString(),
        yanked: false,
      };
      document = addVersion(document, name, version, entry, now + v * 60_000);
    }
    const folder = join(directory, 'plugins', pluginDirectoryName(name));
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'document.json'), JSON.stringify(document));
  }
  const storage = createFsStorage(directory);
  const listed = (await storage.listPlugins()).length;
  await storage.close();
  if (listed !== plugins) throw new Error(`the seeded index lists ${listed} plugins, not ${plugins}`);
  if (values.keep) await writeFile(marker, '');
  console.log(`seeded data: ${directory} in ${((performance.now() - started) / 1000).toFixed(1)} s${values.keep ? ' (kept: --keep)' : ''}`);
  return { directory, sample };
}

// ---------------------------------------------------------------- search

async function searchCase(directory: string, sample: string): Promise<void> {
  const plugins = Number(values.plugins);
  console.log(`\n# GET /v1/plugins?q= over ${plugins} plugins (filesystem storage, node:http, one request at a time)`);
  const storage = createFsStorage(directory);
  const server = await serveNode(createRegistry({ storage, tokens: createMemoryTokenStore() }), { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
  try {
    const names = (await storage.listPlugins()).map((plugin) => plugin.name);
    const rounds = Number(values.searches);
    const timed = async (path: string, check: (body: string) => void): Promise<number[]> => {
      const samples: number[] = [];
      for (let i = 0; i < rounds + 10; i++) {
        const start = performance.now();
        const response = await fetch(`${server.url}${path}`);
        const body = await response.text();
        const elapsed = performance.now() - start;
        if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${body.slice(0, 200)}`);
        if (i === 0) check(body);
        if (i >= 10) samples.push(elapsed);
      }
      return samples;
    };
    const floor = stats(await timed(`/v1/plugins/${encodeURIComponent(sample)}`, () => undefined));
    console.log(`GET of a plugin document: median ${ms(floor.median)}, p99 ${ms(floor.p99)}`);
    const queries: [string, string][] = [
      ['prefix', 'markdown-'],
      ['substring', 'kit-12'],
      ['description word', 'resize'],
      ['no match', 'zz-nothing'],
      ['empty (first page)', ''],
    ];
    for (const [label, q] of queries) {
      const expected = names.filter((name) => name.includes(q)).length;
      const samples = await timed(`/v1/plugins?q=${encodeURIComponent(q)}`, (body) => {
        const total = (JSON.parse(body) as { total: number }).total;
        if (total < expected) throw new Error(`q=${q}: ${total} results, fewer than the ${expected} names holding it`);
      });
      const baseline = await perCall(() => names.filter((name) => name.includes(q)), 50);
      const { median, p99 } = stats(samples);
      figure(`search ${label} "${q}", median`, median, 5, { label: 'filter(includes)', value: baseline });
      const line = `      p99 ${ms(p99)} (document GET p99 ${ms(floor.p99)}, ${(p99 / floor.p99).toFixed(2)}x)`;
      console.log(line);
      report.push(line);
    }
    const page = stats(
      await timed('/?q=render&fragment=results', (body) => {
        if (!body.includes('plugins matching')) throw new Error(`the search page answered:\n${body.slice(0, 300)}`);
      }),
    );
    figure('web search page results "render", median', page.median, 5, { label: 'document GET', value: floor.median });
    const large = await changeTime(storage, sample);
    const small = join(tmpdir(), `plughub-bench-data-scale-small-${process.pid}`);
    const one = createFsStorage(small);
    try {
      await one.updateDocument(sample, async () =>
        JSON.parse(await readFile(join(directory, 'plugins', pluginDirectoryName(sample), 'document.json'), 'utf8')),
      );
      const line = `      a document change (yank or restore, index.json updated) on ${plugins} plugins: median ${ms(large)}; on 1 plugin ${ms(await changeTime(one, sample))}`;
      console.log(line);
      report.push(line);
    } finally {
      await one.close();
      await rm(small, { recursive: true, force: true });
    }
  } finally {
    await server.close();
    await storage.close();
  }
}

/** The median time of a document change of `name` (its first version yanked, then restored, 10 times). */
async function changeTime(storage: ReturnType<typeof createFsStorage>, name: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    await storage.updateDocument(name, (current) => setYanked(current!, '0.0.0', i % 2 === 0, Date.now()));
    samples.push(performance.now() - start);
  }
  return stats(samples).median;
}

// ---------------------------------------------------------------- start-up

async function startupCase(directory: string, sample: string): Promise<void> {
  const plugins = Number(values.plugins);
  console.log(`\n# start-up on ${plugins} plugins × ${values.versions} versions (filesystem storage, files in the page cache)`);
  const check = async (url: string) => {
    const document = (await (await fetch(`${url}/v1/plugins/${encodeURIComponent(sample)}`)).json()) as PluginDocument;
    if (document.name !== sample) throw new Error(`GET ${sample} answered ${JSON.stringify(document).slice(0, 200)}`);
    const list = (await (await fetch(`${url}/v1/plugins?q=${encodeURIComponent(sample)}`)).json()) as { total: number; plugins: { name: string }[] };
    if (!list.plugins.some((plugin) => plugin.name === sample)) throw new Error(`search of ${sample} answered ${JSON.stringify(list).slice(0, 200)}`);
  };

  const start = performance.now();
  const storage = createFsStorage(directory);
  const server = await serveNode(createRegistry({ storage, tokens: createMemoryTokenStore() }), { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
  await check(server.url);
  const inProcess = performance.now() - start;
  await server.close();
  await storage.close();

  const baseStart = performance.now();
  JSON.parse(await readFile(join(directory, 'index.json'), 'utf8'));
  JSON.parse(await readFile(join(directory, 'plugins', pluginDirectoryName(sample), 'document.json'), 'utf8'));
  const baseline = performance.now() - baseStart;
  const everyStart = performance.now();
  for (const folder of await readdir(join(directory, 'plugins'))) JSON.parse(await readFile(join(directory, 'plugins', folder, 'document.json'), 'utf8'));
  const every = performance.now() - everyStart;

  figure('start-up in process, until document and search answer', inProcess, 2000, { label: 'readFile+JSON.parse of index.json and it', value: baseline });
  console.log(`      (reading and parsing every document with readFile + JSON.parse: ${ms(every)})`);

  const cli = join(process.cwd(), 'dist', 'cli.js');
  if (!existsSync(cli)) {
    console.log('      (dist/cli.js missing: run npm run build for the CLI figure)');
    return;
  }
  const samples: number[] = [];
  const nodeStart: number[] = [];
  for (let round = 0; round < 3; round++) {
    const bare = performance.now();
    await new Promise((resolve, reject) => spawn(process.execPath, ['-e', '0']).on('exit', resolve).on('error', reject));
    nodeStart.push(performance.now() - bare);
    const began = performance.now();
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', directory, '--no-metrics'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout! })) {
        url = /^listening on (\S+)$/.exec(line)?.[1];
        if (url) break;
      }
      if (!url) throw new Error('plughub serve exited before listening');
      await check(url);
      samples.push(performance.now() - began);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.on('exit', resolve));
    }
  }
  figure('start-up of `node dist/cli.js serve`, median of 3', stats(samples).median, 2000, { label: 'node -e 0', value: stats(nodeStart).median });
}

// ---------------------------------------------------------------- main

console.log(`Node ${process.version}, cases: ${[...cases].join(', ')}`);
if (cases.has('resolve')) await resolutionCase();
if (cases.has('host')) await hostCase();
if (cases.has('search') || cases.has('startup')) {
  const { directory, sample } = await seededDirectory(Number(values.plugins), Number(values.versions));
  try {
    if (cases.has('startup')) await startupCase(directory, sample);
    if (cases.has('search')) await searchCase(directory, sample);
  } finally {
    if (!values.keep) await rm(directory, { recursive: true, force: true });
  }
}
console.log(`\nsummary:\n${report.join('\n')}`);
