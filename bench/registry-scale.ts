/**
 * The registry at scale, in one run: GET of a plugin document and of a 37 KB
 * blob served by one `plughub serve` on PostgreSQL, by three of them behind
 * nginx (examples/nginx/plughub.conf; requests carrying Authorization, which
 * the configuration never answers from its cache), and by nginx's cache;
 * plus the latency of a publish on PostgreSQL against the filesystem
 * storage. Load comes from wrk (`wrk -t1 -c20 -d5s --latency`); the servers
 * are child processes of the CLI; PostgreSQL is a throw-away cluster. Not a
 * test: run it with
 *
 *   npx tsx bench/registry-scale.ts [--duration 5s] [--publishes 30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import { nginxMissing, startNginx } from '../test/support/nginx.js';
import { postgresMissing, startPostgres } from '../test/support/postgres.js';
import { median } from './support/stats.js';
import { runWrk } from './support/wrk.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { duration: { type: 'string', default: '5s' }, publishes: { type: 'string', default: '30' } } });

interface Measure {
  requestsPerSecond: number;
  p99Ms: number;
}

async function wrk(url: string, headers: string[] = []): Promise<Measure> {
  const { requestsPerSecond, p99Ms } = await runWrk(url, values.duration, headers);
  return { requestsPerSecond, p99Ms };
}

interface Server {
  url: string;
  output: string;
  child: ChildProcess;
}

/** `plughub serve --port 0` on a data directory or a database, once it listens. */
async function serve(storage: string): Promise<Server> {
  const where = storage.startsWith('postgres') ? ['--storage', storage] : ['--data', storage];
  const args = ['--import', 'tsx', 'src/node/cli/main.ts', 'serve', '--port', '0', ...where, '--no-metrics', '--max-connections-per-address', '1000'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    output += `${line}\n`;
    const match = /^listening on (\S+)$/.exec(line);
    if (match) return { url: match[1]!, output, child };
  }
  throw new Error(`plughub serve exited before listening:\n${output}`);
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

function tokenOf(server: Server): string {
  const token = /shown only this once\):\n(\S+)\n/.exec(server.output)?.[1];
  if (token === undefined) throw new Error(`no admin token in:\n${server.output}`);
  return token;
}

const BUNDLE = `export function execute(ctx) { return ${JSON.stringify('x'.repeat(37_000))}.length; }\n`;

/** Publishes bench@version; resolves to the milliseconds the PUT took. */
async function publish(url: string, token: string, version: string): Promise<number> {
  const manifest = { name: 'bench', version, description: 'A plugin to measure the registry with', source: { mode: 'esm', path: 'dist/index.js' } };
  const plg = await collectBytes(
    packPlg([
      { path: 'plugin.json', content: JSON.stringify(manifest) },
      { path: 'dist/index.js', content: `${BUNDLE}// ${version}\n` },
    ]),
  );
  const started = performance.now();
  const response = await fetch(`${url}/v1/plugins/bench/${version}`, {
    method: 'PUT',
    body: plg as Uint8Array<ArrayBuffer>,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
  });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`publish ${version}: ${response.status}`);
  return performance.now() - started;
}

/** Median publish latency of `count` versions, one after the other. */
async function publishLatency(url: string, token: string, count: number): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < count; index++) times.push(await publish(url, token, `2.0.${index}`));
  return median(times);
}

async function main(): Promise<void> {
  const missing = postgresMissing ?? nginxMissing;
  if (missing !== undefined) {
    console.error(`cannot run: ${missing}`);
    process.exitCode = 1;
    return;
  }
  const postgres = await startPostgres();
  const data = await mkdtemp(join(tmpdir(), 'plughub-bench-scale-'));
  const servers: Server[] = [];
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    servers.push(await serve(postgres.url));
    servers.push(await serve(postgres.url), await serve(postgres.url));
    const token = tokenOf(servers[0]!);
    for (let minor = 0; minor < 5; minor++) await publish(servers[0]!.url, token, `1.${minor}.0`);
    nginx = await startNginx(servers.map((server) => server.url));
    const document = (await (await fetch(`${servers[0]!.url}/v1/plugins/bench`)).json()) as { versions: Record<string, { dist: { url: string } }> };
    const blobPath = document.versions['1.4.0']!.dist.url;
    const uncached = ['Authorization: Bearer not-a-token'];
    console.log(`wrk -t1 -c20 -d${values.duration} --latency\n`);
    console.log('case                          one server req/s (p99)   three behind nginx (p99)   nginx cache (p99)   3/1    cache/1');
    for (const [name, path] of [
      ['GET document', '/v1/plugins/bench'],
      ['GET blob (37 KB)', blobPath],
    ] as const) {
      const one = await wrk(`${servers[0]!.url}${path}`);
      const three = await wrk(`${nginx.url}${path}`, uncached);
      const cached = await wrk(`${nginx.url}${path}`);
      const cell = (m: Measure) => `${m.requestsPerSecond.toFixed(0)} (${m.p99Ms.toFixed(1)} ms)`;
      console.log(
        [
          name.padEnd(29),
          cell(one).padStart(22),
          cell(three).padStart(27),
          cell(cached).padStart(20),
          (three.requestsPerSecond / one.requestsPerSecond).toFixed(2).padStart(6),
          (cached.requestsPerSecond / one.requestsPerSecond).toFixed(2).padStart(9),
        ].join(' '),
      );
    }
    const count = Number(values.publishes);
    const fsServer = await serve(data);
    servers.push(fsServer);
    const onPg = await publishLatency(servers[1]!.url, token, count);
    const onFs = await publishLatency(fsServer.url, tokenOf(fsServer), count);
    console.log(
      `\npublish of a 37 KB plugin, median of ${count} one after the other: PostgreSQL ${onPg.toFixed(1)} ms, filesystem ${onFs.toFixed(1)} ms, ratio ${(onPg / onFs).toFixed(2)}`,
    );
  } finally {
    await nginx?.stop();
    for (const server of servers) await stop(server);
    await postgres.stop();
    await rm(data, { recursive: true, force: true });
  }
}

await main();
