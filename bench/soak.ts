/**
 * Soak benchmark: does memory stay flat under a steady load, and does
 * nothing fail? Three processes of their own, each run with --expose-gc:
 *
 * - the registry (filesystem storage, node:http bridge; bench/soak/registry.ts),
 *   loaded from this process at `--rate` requests a second over keep-alive
 *   connections: plugin documents, 304 revalidations, blobs, searches and
 *   404s, plus a trickle of publishes of new versions (one every
 *   `--publish-ms`) and yanks and un-yanks;
 * - a bare node:http server answering the same read mix from memory
 *   (bench/soak/bare.ts) at the same rate: the baseline, what a Node HTTP
 *   server's memory does under this load without plughub;
 * - a Node plugin host (bench/soak/host.ts) loading, executing (values,
 *   deadlines, cancels), serving routes through `host.fetch`, upgrading as
 *   versions are published, unloading and loading again, in-process and
 *   worker-isolated plugins.
 *
 * Every `--sample` seconds each process forces full GCs and reports RSS and
 * heapUsed (the host also has each worker-isolated plugin force a GC of its
 * worker's heap, and reads those heaps). The figures: start (the mean of the
 * first three samples after `--warmup`, by default 30% of the run and at
 * most 3 minutes), end (the mean of the last three), max, growth end/start,
 * and the least-squares slope over the second half of the run in MB a minute. PASS: zero errors, the load never fell behind, and for
 * the registry and the host heap and RSS each grew less than 10%. Not a test:
 *
 *   npx tsx bench/soak.ts [--duration 60s|10m] [--rate 500] [--host-rate 40] [--publish-ms 1000] [--snapshots DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CannedAnswer } from './soak/bare.js';
import type { MemorySample } from './soak/child.js';
import { type LoadReport, type LoadRequest, steadyLoad } from './soak/load.js';
import { CHURNED, packSoakPlugin, READ_ONLY, STEADY, UPGRADED } from './soak/plugins.js';
import { type SoakChild, startChild } from './soak/process.js';
import { LABEL_WIDTH, mb, type TimedSample, trendLine, trendOf } from './soak/stats.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60s' },
    rate: { type: 'string', default: '500' },
    'host-rate': { type: 'string', default: '40' },
    'publish-ms': { type: 'string', default: '1000' },
    sample: { type: 'string' },
    warmup: { type: 'string' },
    snapshots: { type: 'string' },
    'malloc-arenas': { type: 'string', default: '2' },
  },
});

/** `90s`, `10m` or a number of seconds, in milliseconds. */
function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) throw new Error(`cannot read the duration ${text}`);
  return Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000);
}

const durationMs = duration(values.duration);
const rate = Number(values.rate);
const warmupMs = values.warmup ? duration(values.warmup) : Math.min(180_000, durationMs * 0.3);
const sampleMs = values.sample ? duration(values.sample) : durationMs <= 120_000 ? 3000 : 15_000;
const mallocArenas = Number(values['malloc-arenas']);
// glibc adds malloc arenas as threads contend for them (up to 8 a core), each keeping its own free memory: with
// worker threads starting and stopping, RSS climbs for minutes with the allocator's layout, not with what the code keeps.
const childEnv: Record<string, string> = mallocArenas > 0 ? { MALLOC_ARENA_MAX: String(mallocArenas) } : {};

interface Fixture {
  path: string;
  answer: CannedAnswer;
}

/** A registry write; it must be answered with `expect`. */
async function write(url: string, token: string, method: string, path: string, expect: number, body?: Uint8Array): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method,
    body: body as Uint8Array<ArrayBuffer> | undefined,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/gzip' } : {}) },
  });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`${method} ${path}: ${response.status}, expected ${expect}: ${text.slice(0, 200)}`);
}

async function capture(url: string, path: string): Promise<Fixture> {
  const response = await fetch(`${url}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(key)) headers[key] = value;
  });
  return { path, answer: { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()).toString('base64') } };
}

/** Publishes the fixtures; returns the read mix's documents, blobs and searches as captured from the registry. */
async function publishFixtures(url: string, token: string): Promise<{ documents: Fixture[]; blobs: Fixture[]; searches: Fixture[] }> {
  for (const name of READ_ONLY) {
    for (let minor = 0; minor < 5; minor++) {
      await write(url, token, 'PUT', `/v1/plugins/${name}/1.${minor}.0`, 201, await packSoakPlugin(name, `1.${minor}.0`));
    }
  }
  for (const plugin of [...STEADY, ...UPGRADED, CHURNED]) {
    await write(url, token, 'PUT', `/v1/plugins/${plugin.name}/1.0.0`, 201, await packSoakPlugin(plugin, '1.0.0'));
  }
  const documents = await Promise.all([...READ_ONLY, ...STEADY.map((plugin) => plugin.name)].map((name) => capture(url, `/v1/plugins/${name}`)));
  const blobPaths = documents.map((document) => {
    const parsed = JSON.parse(Buffer.from(document.answer.body, 'base64').toString()) as { versions: Record<string, { dist: { url: string } }> };
    return Object.values(parsed.versions).at(-1)!.dist.url;
  });
  const blobs = await Promise.all(blobPaths.map((path) => capture(url, path)));
  const searches = await Promise.all(['/v1/plugins?q=soak-read', '/v1/plugins?q=echo&limit=5', '/v1/plugins?limit=50'].map((path) => capture(url, path)));
  return { documents, blobs, searches };
}

/** The read mix, by `i % 100`: documents, 304 revalidations, blobs, searches, missing plugins and blobs. */
function readMix(fixtures: { documents: Fixture[]; blobs: Fixture[]; searches: Fixture[] }): (i: number) => LoadRequest {
  const { documents, blobs, searches } = fixtures;
  const pick = <T>(list: T[], i: number): T => list[i % list.length] as T;
  return (i) => {
    const slot = i % 100;
    const turn = Math.floor(i / 100);
    if (slot < 35) return { path: pick(documents, i).path, expect: [200] };
    if (slot < 65) {
      const document = pick(documents, i);
      return { path: document.path, headers: { 'if-none-match': document.answer.headers.etag ?? '' }, expect: [304] };
    }
    if (slot < 85) return { path: pick(blobs, i).path, expect: [200] };
    if (slot < 92) return { path: pick(searches, i).path, expect: [200] };
    if (slot < 96) return { path: `/v1/plugins/soak-missing-${turn % 50}`, expect: [404] };
    return { path: `/v1/blobs/sha256/${(turn % 1000).toString(16).padStart(64, '0')}`, expect: [404] };
  };
}

/** Publishes a new version every `everyMs`: mostly the worker plugins, every tenth the in-process one; yanks and un-yanks churn versions. */
function publisher(url: string, token: string, everyMs: number) {
  const next = new Map<string, number>();
  const counts = { publishes: 0, yanks: 0, unyanks: 0, errors: 0 };
  const messages: string[] = [];
  let yanked: string | undefined;
  let stopped = false;
  const loop = (async () => {
    for (let k = 0; !stopped; k++) {
      const began = performance.now();
      const plugin = k % 10 === 9 ? UPGRADED[0]! : k % 2 === 0 ? UPGRADED[1]! : CHURNED;
      const patch = (next.get(plugin.name) ?? 0) + 1;
      next.set(plugin.name, patch);
      const version = `1.0.${patch}`;
      try {
        await write(url, token, 'PUT', `/v1/plugins/${plugin.name}/${version}`, 201, await packSoakPlugin(plugin, version));
        counts.publishes++;
        if (plugin === CHURNED && patch % 3 === 0) {
          await write(url, token, 'POST', `/v1/plugins/${plugin.name}/${version}/yank`, 200);
          counts.yanks++;
          if (patch % 2 === 0 && yanked) {
            await write(url, token, 'DELETE', `/v1/plugins/${plugin.name}/${yanked}/yank`, 200);
            counts.unyanks++;
          }
          yanked = version;
        }
      } catch (error) {
        counts.errors++;
        if (messages.length < 5) messages.push(String((error as Error).message));
      }
      const wait = everyMs - (performance.now() - began);
      if (wait > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { ...counts, messages };
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'plughub-soak-'));
  const children: SoakChild[] = [];
  try {
    const registry = await startChild('registry', 'registry', ['--data', join(scratch, 'data')], childEnv);
    children.push(registry);
    const url = registry.ready.url as string;
    const token = registry.ready.token as string;
    const fixtures = await publishFixtures(url, token);
    const bare = await startChild('bare node:http', 'bare', [], childEnv);
    children.push(bare);
    const answers = Object.fromEntries([...fixtures.documents, ...fixtures.blobs, ...fixtures.searches].map((fixture) => [fixture.path, fixture.answer]));
    await new Promise<void>((resolve) => {
      bare.process.on('message', (message: { type: string }) => message.type === 'answers-set' && resolve());
      bare.process.send({ type: 'answers', answers });
    });
    const host = await startChild('host', 'host', ['--registry', url, '--cache', join(scratch, 'cache'), '--rate', values['host-rate']], childEnv);
    children.push(host);
    const idle = await Promise.all(children.map((child) => child.sample()));

    console.log(
      `soak: ${values.duration} at ${rate} req/s on the registry and on the bare server, host ${values['host-rate']} rounds/s, ` +
        `a publish every ${values['publish-ms']} ms; warm-up ${warmupMs / 1000} s, a sample every ${sampleMs / 1000} s (full GCs); ` +
        `${mallocArenas > 0 ? `MALLOC_ARENA_MAX=${mallocArenas}` : "glibc's default malloc arenas"} in the children`,
    );
    const mix = readMix(fixtures);
    const began = performance.now();
    const loads = [steadyLoad(url, rate, mix), steadyLoad(bare.ready.url as string, rate, mix)];
    const writes = publisher(url, token, Number(values['publish-ms']));
    const samples: TimedSample[][] = children.map(() => []);
    const takeSamples = async () => {
      const atMs = performance.now() - began;
      const taken = await Promise.all(children.map((child) => child.sample()));
      taken.forEach((sample, index) => {
        samples[index]!.push({ ...sample, atMs });
      });
      const host = taken[2]!;
      const seconds = (atMs / 1000).toFixed(0).padStart(4);
      console.log(
        `  ${seconds} s  heap/RSS MB: registry ${mb(taken[0]!.heapUsed)}/${mb(taken[0]!.rss)}, bare ${mb(taken[1]!.heapUsed)}/${mb(taken[1]!.rss)}, ` +
          `host ${mb(host.heapUsed)}/${mb(host.rss)} (young generations ${mb(host.youngGeneration)} + workers' ${mb(host.extra?.workerYoung ?? 0)}, workers' heaps ${mb(host.extra?.workerHeap ?? 0)}, ${host.extra?.activeVersions} versions, ${host.extra?.threads} threads, ` +
          `${host.extra?.upgrades} upgrades, ${host.extra?.errors} errors)`,
      );
    };
    let snapshotTaken = false;
    for (let next = sampleMs; next <= durationMs + 1; next += sampleMs) {
      await sleep(Math.max(0, began + next - performance.now()));
      await takeSamples();
      if (values.snapshots && !snapshotTaken && performance.now() - began >= warmupMs) {
        snapshotTaken = true;
        for (const child of [registry, host])
          console.log(`  heap snapshot of the ${child.name}: ${await child.ask<string>({ type: 'snapshot', dir: values.snapshots })}`);
      }
    }
    if (values.snapshots) {
      for (const child of [registry, host])
        console.log(`  heap snapshot of the ${child.name}: ${await child.ask<string>({ type: 'snapshot', dir: values.snapshots })}`);
    }
    const [registryLoad, bareLoad] = (await Promise.all(loads.map((load) => load.stop()))) as [LoadReport, LoadReport];
    const written = await writes.stop();
    const hostReport = await host.ask<{ counts: Record<string, number>; errors: number; messages: string[] }>({ type: 'stop' });
    const registryReport = await registry.ask<{ loggedErrors: string[] }>({ type: 'stop' });
    await bare.ask({ type: 'stop' });
    report({ idle, samples, registryLoad, bareLoad, written, hostReport, registryReport });
  } finally {
    for (const child of children) if (child.process.exitCode === null) child.process.kill();
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Outcome {
  idle: MemorySample[];
  samples: TimedSample[][];
  registryLoad: LoadReport;
  bareLoad: LoadReport;
  written: { publishes: number; yanks: number; unyanks: number; errors: number; messages: string[] };
  hostReport: { counts: Record<string, number>; errors: number; messages: string[] };
  registryReport: { loggedErrors: string[] };
}

function loadLine(name: string, load: LoadReport): string {
  const statuses = Object.entries(load.statuses)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  return `${name}: ${load.answered}/${load.sent} answered (${statuses}), p50 ${load.p50Ms.toFixed(1)} ms, p99 ${load.p99Ms.toFixed(1)} ms, max ${load.maxMs.toFixed(0)} ms; ${load.errors} errors, ${load.skipped} skipped (fell behind)`;
}

function report(outcome: Outcome): void {
  const { idle, samples, registryLoad, bareLoad, written, hostReport, registryReport } = outcome;
  const names = ['registry', 'bare node:http', 'host'];
  console.log(`\nrequests, ${(durationMs / 1000).toFixed(0)} s at ${rate}/s:`);
  console.log(`  ${loadLine('registry', registryLoad)}`);
  console.log(`  ${loadLine('bare node:http', bareLoad)}`);
  console.log(`  writes: ${written.publishes} publishes, ${written.yanks} yanks, ${written.unyanks} un-yanks; ${written.errors} errors`);
  const hostCounts = Object.entries(hostReport.counts)
    .map(([key, count]) => `${count} ${key}`)
    .join(', ');
  console.log(`  host: ${hostCounts}; ${hostReport.errors} errors`);
  for (const message of [...registryLoad.messages, ...written.messages, ...hostReport.messages, ...registryReport.loggedErrors]) console.log(`    ${message}`);
  console.log(
    `\nmemory after full GCs, MB (idle = before the load; start = the first three samples after the ${warmupMs / 1000} s warm-up, end = the last three; slope over the second half;\n` +
      "RSS-young = RSS less the bytes of the V8 young generations, the process's and, for the host, its workers', which V8 grows with the allocation rate up to a bound " +
      'and the full GCs empty; * = judged):',
  );
  console.log(
    `${'process, figure'.padEnd(LABEL_WIDTH)} ${'idle'.padStart(8)} ${'start'.padStart(8)} ${'end'.padStart(8)} ${'max'.padStart(8)} ${'end/start'.padStart(8)} ${'MB/min'.padStart(10)}`,
  );
  const verdicts: string[] = [];
  /** The figures of each process; `judged` ones count for the verdict (RSS itself is shown for what it is). */
  const figures: { label: string; judged: boolean; pick: (sample: MemorySample) => number }[] = [
    { label: 'heap', judged: true, pick: (sample) => sample.heapUsed },
    { label: 'RSS', judged: false, pick: (sample) => sample.rss },
    { label: 'RSS-young', judged: true, pick: (sample) => sample.rss - sample.youngGeneration - (sample.extra?.workerYoung ?? 0) },
  ];
  names.forEach((name, index) => {
    for (const { label, judged, pick } of figures) {
      const trend = trendOf(samples[index]!, warmupMs, durationMs, pick);
      const line = trendLine(`${name} ${label}`, trend);
      console.log(
        `${line.slice(0, LABEL_WIDTH)} ${mb(pick(idle[index]!)).padStart(8)}${line.slice(LABEL_WIDTH)}${judged && name !== 'bare node:http' ? '  *' : ''}`,
      );
      if (judged && name !== 'bare node:http' && trend.growth >= 1.1) verdicts.push(`${name} ${label} grew ${((trend.growth - 1) * 100).toFixed(1)}%`);
    }
  });
  const hostWorkers = trendOf(samples[2]!, warmupMs, durationMs, (sample) => sample.extra?.workerHeap ?? 0);
  console.log(trendLine("host workers' heaps", hostWorkers));
  const errors = registryLoad.errors + written.errors + hostReport.errors + registryReport.loggedErrors.length + bareLoad.errors;
  if (errors > 0) verdicts.push(`${errors} errors`);
  if (registryLoad.skipped > 0) verdicts.push(`the registry fell behind the rate ${registryLoad.skipped} times`);
  console.log(
    verdicts.length === 0
      ? '\nPASS: zero errors, the figures marked * of the registry and the host within 10% of their start'
      : `\nFAIL: ${verdicts.join('; ')}`,
  );
  if (verdicts.length > 0) process.exitCode = 1;
}

await main();
