/**
 * Publish latency on the filesystem storage: `plughub serve` (filesystem
 * storage, node:http, in a child process run through tsx) receives
 * publishes of distinct versions of a ~50 KB `.plg` (a bundle that barely
 * compresses, and a README) from 1, 4 and 16 concurrent publishers. Each
 * publisher has its own plugin (created before the clock starts), or, with
 * `--one-plugin`, all of them publish versions of one plugin. Measured in
 * the same run, in rounds that alternate them:
 *
 * - the raw durable write of the same bytes, in this process: write to a
 *   temp file, fsync, rename, fsync of the directory (what a publish cannot
 *   do without);
 * - the floor of a durable publish server (bench/support/publish-floor-server.ts,
 *   a child process): bare node:http receiving the same `.plg`, inflating
 *   and hashing it and appending it to a log with one fdatasync before its
 *   201 — the fastest any registry with that guarantee could answer the
 *   same requests from the same client;
 * - Verdaccio 6 (bench/verdaccio, installed apart: `npm install --prefix
 *   bench/verdaccio`) in a child process, publishing an npm tarball of the
 *   same size through its HTTP API (`PUT /:package` with the base64
 *   attachment, as `npm publish` does), after creating a user.
 *
 * Prints, per concurrency, median and p99 latency and publishes a second,
 * the ratios (Verdaccio's median over plughub's and over the floor's,
 * plughub's over the raw write's and the floor's) and PASS/FAIL against the
 * goal for one publish — a median of at most 3 ms and at least 5x
 * Verdaccio — judged with one publisher (4 and 16 show how latency grows
 * as publishers share the disk). Not a test: run it with
 *
 *   npx tsx bench/registry-publish.ts [--rounds 3] [--publishes 48] [--concurrency 1,4,16] [--one-plugin] [--profile DIR]
 *
 * `--profile DIR` runs the registry with `--cpu-prof --cpu-prof-dir DIR`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { collectBytes, packPlg, writeTar } from '../src/core/plg/index.js';
import { median, percentile } from './support/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const VERDACCIO = join(ROOT, 'bench', 'verdaccio');
const VERDACCIO_BIN = join(VERDACCIO, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
const GOAL_MS = 3;
const GOAL_RATIO = 5;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    publishes: { type: 'string', default: '48' },
    concurrency: { type: 'string', default: '1,4,16' },
    'one-plugin': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const perLevel = Number(values.publishes);
const levels = values.concurrency.split(',').map(Number);
const onePlugin = values['one-plugin'];

/** What one system does to publish version `index` of publisher `publisher`'s plugin at a level; resolves when acknowledged. */
type PublishFn = (plugin: string, index: number) => Promise<void>;

interface System {
  name: string;
  /** Makes the plugins of one measurement exist before the clock starts. */
  prepare(plugin: string): Promise<void>;
  publish: PublishFn;
}

/** Latencies (ms) of every publish at one concurrency, and the wall time of the batches. */
interface Sample {
  latencies: number[];
  wallMs: number;
  count: number;
}

// A bundle of random base64 barely compresses: its .plg is about 50 KB.
const BUNDLE_BODY = `export const data = ${JSON.stringify(randomBytes(50_000).toString('base64'))};\nexport function execute() { return data.length; }\n`;
const README = `# bench\n\nA plugin to measure publishing with.\n\n${'It does nothing but hold bytes. '.repeat(30)}\n`;

function bundleOf(plugin: string, version: string): string {
  return `${BUNDLE_BODY}// ${plugin}@${version}\n`;
}

/** The .plg of `plugin@version`, distinct bytes for every version. */
async function plgOf(plugin: string, version: string): Promise<Uint8Array> {
  const manifest = { name: plugin, version, description: 'A plugin to measure publishing with', source: { mode: 'esm', path: 'dist/index.js' } };
  return collectBytes(
    packPlg([
      { path: 'plugin.json', content: JSON.stringify(manifest) },
      { path: 'dist/index.js', content: bundleOf(plugin, version) },
      { path: 'README.md', content: README },
    ]),
  );
}

/** The npm tarball of `plugin@version`, the same files as its .plg under `package/`. */
async function tarballOf(plugin: string, version: string): Promise<{ bytes: Uint8Array; manifest: Record<string, unknown> }> {
  const encoder = new TextEncoder();
  const manifest = { name: plugin, version, description: 'A plugin to measure publishing with', main: 'index.js' };
  const tar = await collectBytes(
    writeTar([
      { path: 'package/package.json', content: encoder.encode(JSON.stringify(manifest)) },
      { path: 'package/index.js', content: encoder.encode(bundleOf(plugin, version)) },
      { path: 'package/README.md', content: encoder.encode(README) },
    ]),
  );
  return { bytes: new Uint8Array(gzipSync(tar)), manifest };
}

const version = (index: number) => `1.0.${index}`;

/** Index `index` (1-based) of a measurement goes to publisher `(index - 1) % concurrency`. */
function publisherOf(index: number, concurrency: number): number {
  return (index - 1) % concurrency;
}

/** The plugin each publisher of a measurement publishes to: its own, or with `--one-plugin` one for all. */
function pluginOf(tag: string, publisher: number): string {
  return onePlugin ? `bench-${tag}` : `bench-${tag}-p${publisher}`;
}

/** Runs `count` publishes with `concurrency` publishers, each publishing its share of the versions one after the other, timing each. */
async function measure(system: System, tag: string, concurrency: number, count: number): Promise<Sample> {
  const publishers = Array.from({ length: concurrency }, (_, publisher) => publisher);
  for (const plugin of new Set(publishers.map((publisher) => pluginOf(tag, publisher)))) await system.prepare(plugin);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    publishers.map(async (publisher) => {
      for (let index = publisher + 1; index <= count; index += concurrency) {
        const at = performance.now();
        await system.publish(pluginOf(tag, publisher), index);
        latencies.push(performance.now() - at);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started, count };
}

/** The raw durable write: temp file, write, fsync, close, rename, fsync of the directory. */
async function rawSystem(directory: string, bytes: Uint8Array): Promise<System> {
  const files = join(directory, 'files');
  const temp = join(directory, 'tmp');
  await mkdir(files, { recursive: true });
  await mkdir(temp, { recursive: true });
  return {
    name: 'raw durable write',
    async prepare() {},
    async publish(plugin, index) {
      const name = `${plugin}-${index}`;
      const draft = join(temp, name);
      const handle = await open(draft, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(draft, join(files, name));
      const dir = await open(files, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    },
  };
}

/** A TCP port free right now on 127.0.0.1 (Verdaccio takes its port from its command line). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts `script` (TypeScript, through tsx) with `args` in a child process and resolves to the URL it prints (`listening on <url>`) and everything it printed until then. */
async function startListening(
  script: string,
  args: readonly string[],
  profile: readonly string[] = [],
): Promise<{ child: ChildProcess; url: string; output: string }> {
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    output += `${line}\n`;
    const url = /^listening on (\S+)$/.exec(line)?.[1];
    if (url !== undefined) {
      child.stdout!.resume();
      return { child, url, output };
    }
  }
  throw new Error(`${script} exited before listening:\n${output}`);
}

/** The floor server (see the module comment) on a fresh directory; bodies prepared per version before the clock starts. */
async function floorSystem(directory: string, packages: Map<string, Uint8Array>): Promise<System & { child: ChildProcess }> {
  await mkdir(directory, { recursive: true });
  const { child, url } = await startListening('bench/support/publish-floor-server.ts', [directory]);
  return {
    name: 'floor',
    child,
    async prepare() {},
    async publish(plugin, index) {
      const versionText = version(index);
      const response = await fetch(`${url}/v1/plugins/${plugin}/${versionText}`, {
        method: 'PUT',
        body: packages.get(`${plugin}@${versionText}`)! as Uint8Array<ArrayBuffer>,
        headers: { 'content-type': 'application/gzip' },
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`floor: publish ${plugin}@${versionText}: ${response.status} ${text}`);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** `plughub serve` on a fresh data directory, with its admin token; publishes prepared per version before the clock starts. */
async function plughubSystem(data: string, packages: Map<string, Uint8Array>): Promise<System & { child: ChildProcess }> {
  const profile = values.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values.profile];
  const args = ['serve', '--port', '0', '--data', data, '--no-metrics', '--max-connections-per-address', '1000', '--uploads-per-token', '64'];
  const { child, url, output } = await startListening('src/node/cli/main.ts', args, profile);
  const token = /shown only this once\):\n(\S+)\n/.exec(output)?.[1];
  if (token === undefined) throw new Error(`no admin token in:\n${output}`);
  const put = async (plugin: string, versionText: string, body: Uint8Array) => {
    const response = await fetch(`${url}/v1/plugins/${plugin}/${versionText}`, {
      method: 'PUT',
      body: body as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`plughub: publish ${plugin}@${versionText}: ${response.status} ${text}`);
  };
  return {
    name: 'plughub',
    child,
    prepare: async (plugin) => put(plugin, '0.0.1', await plgOf(plugin, '0.0.1')),
    publish: (plugin, index) => put(plugin, version(index), packages.get(`${plugin}@${version(index)}`)!),
  };
}

/** Verdaccio on a fresh storage, with a user created through its API; request bodies prepared per version before the clock starts. */
async function verdaccioSystem(directory: string, bodies: Map<string, string>): Promise<System & { child: ChildProcess }> {
  await copyFile(join(VERDACCIO, 'config.yaml'), join(directory, 'config.yaml'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [VERDACCIO_BIN, '--config', join(directory, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    cwd: directory,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit').then(() => {
    throw new Error('verdaccio exited before answering');
  });
  const ready = (async () => {
    for (;;) {
      const answered = await fetch(`${url}/-/ping`).then(
        (response) => response.ok,
        () => false,
      );
      if (answered) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await Promise.race([ready, exited]);
  const user = `bench${randomBytes(4).toString('hex')}`;
  const created = await fetch(`${url}/-/user/org.couchdb.user:${user}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user, password: randomBytes(12).toString('hex'), type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const { token } = (await created.json()) as { token?: string };
  if (created.status !== 201 || token === undefined) throw new Error(`verdaccio: creating a user answered ${created.status}`);
  const put = async (plugin: string, body: string) => {
    const response = await fetch(`${url}/${plugin}`, {
      method: 'PUT',
      body,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`verdaccio: publish ${plugin}: ${response.status} ${text}`);
  };
  return {
    name: 'Verdaccio 6',
    child,
    prepare: async (plugin) => put(plugin, await npmPublishBody(plugin, '0.0.1', url)),
    publish: (plugin, index) => put(plugin, bodies.get(`${plugin}@${version(index)}`)!),
  };
}

/** The body `npm publish` sends for one version: its manifest and the tarball as a base64 attachment. */
async function npmPublishBody(plugin: string, versionText: string, registry = 'http://registry.invalid'): Promise<string> {
  const { bytes, manifest } = await tarballOf(plugin, versionText);
  const file = `${plugin}-${versionText}.tgz`;
  const digest = await crypto.subtle.digest('SHA-512', bytes as Uint8Array<ArrayBuffer>);
  const shasum = Buffer.from(await crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>)).toString('hex');
  const dist = { integrity: `sha512-${Buffer.from(digest).toString('base64')}`, shasum, tarball: `${registry}/${plugin}/-/${file}` };
  return JSON.stringify({
    _id: plugin,
    name: plugin,
    description: manifest.description,
    'dist-tags': { latest: versionText },
    versions: { [versionText]: { ...manifest, _id: `${plugin}@${versionText}`, dist } },
    _attachments: { [file]: { content_type: 'application/octet-stream', data: Buffer.from(bytes).toString('base64'), length: bytes.byteLength } },
  });
}

/** The body of every version a measurement publishes, by `plugin@version`. */
async function prepareBodies<T>(tag: string, concurrency: number, make: (plugin: string, versionText: string) => Promise<T>): Promise<Map<string, T>> {
  const bodies = new Map<string, T>();
  for (let index = 1; index <= perLevel; index++) {
    const plugin = pluginOf(tag, publisherOf(index, concurrency));
    bodies.set(`${plugin}@${version(index)}`, await make(plugin, version(index)));
  }
  return bodies;
}

function formatRow(name: string, sample: Sample): string {
  const med = median(sample.latencies);
  const p99 = percentile(sample.latencies, 0.99);
  const rate = (sample.count / sample.wallMs) * 1000;
  return `  ${name.padEnd(18)} median ${med.toFixed(2).padStart(7)} ms   p99 ${p99.toFixed(2).padStart(7)} ms   ${rate.toFixed(0).padStart(6)} publishes/s`;
}

function merge(samples: readonly Sample[]): Sample {
  return {
    latencies: samples.flatMap((sample) => sample.latencies),
    wallMs: samples.reduce((total, sample) => total + sample.wallMs, 0),
    count: samples.reduce((total, sample) => total + sample.count, 0),
  };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'plughub-bench-publish-'));
  const hasVerdaccio = existsSync(VERDACCIO_BIN);
  if (!hasVerdaccio) {
    console.log('Verdaccio is not installed: `npm install --prefix bench/verdaccio` installs it (in bench/verdaccio/node_modules); measuring without it.\n');
  }
  const sample = await plgOf('bench-size', '1.0.0');
  const npmSample = await tarballOf('bench-size', '1.0.0');
  console.log(`.plg ${sample.byteLength} bytes, npm tarball ${npmSample.bytes.byteLength} bytes; ${rounds} rounds of ${perLevel} publishes per concurrency`);
  console.log(`each publisher ${onePlugin ? 'shares one plugin' : 'has its own plugin'}\n`);
  const children: ChildProcess[] = [];
  const results = new Map<string, Sample[]>();
  const record = (key: string, value: Sample) => results.set(key, [...(results.get(key) ?? []), value]);
  try {
    const raw = await rawSystem(join(work, 'raw'), sample);
    await mkdir(join(work, 'verdaccio'), { recursive: true });
    const plgs = new Map<string, Uint8Array>();
    const npmBodies = new Map<string, string>();
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of levels) {
        const tag = `r${round}c${concurrency}`;
        for (const [key, value] of await prepareBodies(tag, concurrency, plgOf)) plgs.set(key, value);
        if (hasVerdaccio) for (const [key, value] of await prepareBodies(tag, concurrency, npmPublishBody)) npmBodies.set(key, value);
      }
    }
    const plughub = await plughubSystem(join(work, 'plughub'), plgs);
    children.push(plughub.child);
    const verdaccio = hasVerdaccio ? await verdaccioSystem(join(work, 'verdaccio'), npmBodies) : undefined;
    if (verdaccio !== undefined) children.push(verdaccio.child);
    const floor = await floorSystem(join(work, 'floor'), plgs);
    children.push(floor.child);
    const systems = [raw, floor, plughub, ...(verdaccio === undefined ? [] : [verdaccio])];
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of levels) {
        const tag = `r${round}c${concurrency}`;
        // Alternate the order between rounds, so that neither system always runs first.
        const order = round % 2 === 0 ? systems : [...systems].reverse();
        for (const system of order) record(`${system.name}|${concurrency}`, await measure(system, tag, concurrency, perLevel));
      }
    }
    let pass: boolean | undefined;
    for (const concurrency of levels) {
      console.log(`${concurrency} concurrent publisher${concurrency === 1 ? '' : 's'}:`);
      const merged = new Map(systems.map((system) => [system.name, merge(results.get(`${system.name}|${concurrency}`) ?? [])]));
      for (const [name, value] of merged) console.log(formatRow(name, value));
      const medianOf = (name: string) => median(merged.get(name)!.latencies);
      const ours = medianOf('plughub');
      const verdict: string[] = [
        `plughub / raw durable write ${(ours / medianOf(raw.name)).toFixed(2)}x the time, / floor ${(ours / medianOf(floor.name)).toFixed(2)}x`,
      ];
      const judged = concurrency === 1;
      const fast = ours <= GOAL_MS;
      verdict.push(`median ${ours.toFixed(2)} ms${judged ? ` ${fast ? 'PASS' : 'FAIL'} (<= ${GOAL_MS} ms)` : ''}`);
      if (judged) pass = (pass ?? true) && fast;
      if (verdaccio !== undefined) {
        const ratio = medianOf(verdaccio.name) / ours;
        const reachable = medianOf(verdaccio.name) / medianOf(floor.name);
        verdict.push(
          `Verdaccio / plughub ${ratio.toFixed(1)}x${judged ? ` ${ratio >= GOAL_RATIO ? 'PASS' : 'FAIL'} (>= ${GOAL_RATIO}x)` : ''}, / floor ${reachable.toFixed(1)}x`,
        );
        if (judged) pass = (pass ?? true) && ratio >= GOAL_RATIO;
      }
      console.log(`  ${verdict.join('; ')}\n`);
    }
    if (pass === undefined) {
      console.log('(the goal is judged with 1 publisher: add 1 to --concurrency)');
      return;
    }
    console.log(verdaccio === undefined ? `${pass ? 'PASS' : 'FAIL'} (without Verdaccio)` : pass ? 'PASS' : 'FAIL');
  } finally {
    for (const child of children) await stopChild(child);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
