/**
 * Plugin routes served by `plughub host` against the same handler mounted
 * directly in a bare hono app, measured in the same run: a trivial route
 * (GET, a short text answer) of a plugin in a plugin directory, served by
 * the plugin host service (its hono app, `host.fetch`, the route matcher,
 * the plugin's `execute`, an access-log line per request to a file), in
 * process and with the plugin in a worker thread (`isolation: 'worker'`);
 * and the plugin module's own `execute` in a route of a bare hono app
 * (`c.text`), and in one that answers its bytes as a PreparedResponse, as
 * plughub host does (no body stream made). All sit on the same node:http
 * bridge (registry-server/node), so the ratios are what plughub adds. Load comes from wrk in another process (`wrk -t1 -c20
 * -d5s --latency`); rounds alternate bare, in-process and worker, and the
 * medians are printed with their ratios to the bare app, then the ratio of
 * each round (each side against the bare app of the same round, so a load
 * that comes and goes on a shared machine touches both) with their median
 * and spread; and the CPU time the process spent per request (a figure a
 * shared machine's load disturbs far less than requests per second), with
 * the bare app's over each server's. Not a test: run it with
 *
 *   npx tsx bench/host-routes.ts [--rounds 3] [--duration 5s]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Hono } from 'hono';
import { bytesResponse } from '../registry-server/http/responses.js';
import { serveNode } from '../registry-server/node/index.js';
import type { HostConfig } from '../src/node/host-service/config.js';
import { startHostService, type HostService } from '../src/node/host-service/serve.js';
import { median } from './support/stats.js';
import { runWrk } from './support/wrk.js';

const run = promisify(execFile);
const ROUTE = '/api/plugin/bench/hello';

interface Measure {
  requestsPerSecond: number;
  /** CPU time this process (its worker threads included) spent per request, in µs: what a shared machine's load disturbs least. */
  cpuMicrosPerRequest: number;
  p99Ms: number;
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '5s' } } });
const rounds = Number(values.rounds);

async function wrk(url: string): Promise<Measure> {
  const cpuBefore = process.cpuUsage();
  const result = await runWrk(url, values.duration);
  const cpu = process.cpuUsage(cpuBefore);
  return { requestsPerSecond: result.requestsPerSecond, cpuMicrosPerRequest: (cpu.user + cpu.system) / result.requests, p99Ms: result.p99Ms };
}

/** The trivial plugin: one GET route whose execute answers a short text. */
const PLUGIN_SOURCE = `export default {
  execute() {
    return 'hello from a plugin route';
  },
};
`;

async function startService(dir: string, work: string, isolation: 'none' | 'worker'): Promise<HostService> {
  const config: HostConfig = {
    dir,
    watch: false,
    registry: undefined,
    load: [],
    port: 0,
    listen: '127.0.0.1',
    graceMs: 1000,
    accessLog: join(work, `access-${isolation}.log`),
    cacheDir: join(work, 'cache'),
    isolation,
    maxBodyBytes: 10 * 1024 * 1024,
  };
  const quiet = { info: () => {}, error: (line: string) => console.error(line) };
  return startHostService(config, { log: quiet, env: {} });
}

async function check(url: string): Promise<void> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200 || text !== 'hello from a plugin route') throw new Error(`${url}: ${response.status} ${text}`);
}

async function main(): Promise<void> {
  const version = await run('wrk', ['--version']).catch((error: { code?: unknown; stdout?: string }) => {
    if (error.code === 'ENOENT') return undefined;
    return error;
  });
  if (version === undefined) {
    console.error('wrk is not installed (Debian: apt-get install wrk)');
    process.exitCode = 1;
    return;
  }
  const work = await mkdtemp(join(tmpdir(), 'plughub-bench-host-'));
  const dir = join(work, 'plugins');
  await mkdir(join(dir, 'bench'), { recursive: true });
  const manifest = {
    name: 'bench',
    version: '1.0.0',
    source: { mode: 'esm', path: 'index.js' },
    http_services: { routes: [{ route: ROUTE, method: 'GET', label: 'hello' }] },
  };
  await writeFile(join(dir, 'bench/plugin.json'), JSON.stringify(manifest));
  await writeFile(join(dir, 'bench/index.js'), PLUGIN_SOURCE);
  const plugin = (await import(pathToFileURL(join(dir, 'bench/index.js')).href)) as { default: { execute(): string } };
  const bare = new Hono();
  bare.get(ROUTE, (c) => c.text(plugin.default.execute()));
  const bareServer = await serveNode(bare, { port: 0 });
  // The same bare app answering as plughub host now does: the text's bytes in a PreparedResponse, no body stream made.
  const barePrepared = new Hono();
  const encoder = new TextEncoder();
  barePrepared.get(ROUTE, () => bytesResponse(200, { 'content-type': 'text/plain; charset=utf-8' }, encoder.encode(plugin.default.execute())));
  const barePreparedServer = await serveNode(barePrepared, { port: 0 });
  const inProcess = await startService(dir, work, 'none');
  const worker = await startService(dir, work, 'worker');
  try {
    const targets = [
      { name: 'bare hono app', url: `${bareServer.url}${ROUTE}` },
      { name: 'bare app, prepared', url: `${barePreparedServer.url}${ROUTE}` },
      { name: 'plughub host', url: `${inProcess.url}${ROUTE}` },
      { name: 'plughub host, worker', url: `${worker.url}${ROUTE}` },
    ];
    for (const target of targets) await check(target.url);
    const measures = targets.map((): Measure[] => []);
    console.log(`wrk -t1 -c20 -d${values.duration} --latency, ${rounds} rounds interleaved, medians\n`);
    for (let round = 0; round < rounds; round++) {
      for (const [index, target] of targets.entries()) measures[index]!.push(await wrk(target.url));
    }
    const baseRps = median(measures[0]!.map((m) => m.requestsPerSecond));
    console.log('server                    req/s      p99      ratio (req/s)');
    for (const [index, target] of targets.entries()) {
      const rps = median(measures[index]!.map((m) => m.requestsPerSecond));
      const p99 = median(measures[index]!.map((m) => m.p99Ms));
      console.log(`${target.name.padEnd(22)} ${rps.toFixed(0).padStart(9)} ${`${p99.toFixed(2)}ms`.padStart(9)} ${(rps / baseRps).toFixed(2).padStart(10)}`);
    }
    console.log('\nratio to the bare app of the same round: median (min-max) [each round]');
    for (const [index, target] of targets.entries()) {
      if (index === 0) continue;
      const ratios = measures[index]!.map((m, round) => m.requestsPerSecond / measures[0]![round]!.requestsPerSecond);
      const shown = ratios.map((ratio) => ratio.toFixed(2)).join(' ');
      console.log(`${target.name.padEnd(22)} ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) [${shown}]`);
    }
    const baseCpu = median(measures[0]!.map((m) => m.cpuMicrosPerRequest));
    console.log('\nCPU time per request (this process, its threads included), medians; bare app / server');
    for (const [index, target] of targets.entries()) {
      const cpu = median(measures[index]!.map((m) => m.cpuMicrosPerRequest));
      console.log(`${target.name.padEnd(22)} ${`${cpu.toFixed(1)} µs`.padStart(9)} ${(baseCpu / cpu).toFixed(2).padStart(10)}`);
    }
  } finally {
    await Promise.all([bareServer.close(), barePreparedServer.close(), inProcess.close(), worker.close()]);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
