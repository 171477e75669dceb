/**
 * Registry read throughput: GET of a plugin document and of a blob, served by
 * the registry (filesystem storage, node:http bridge), against a plain
 * node:http server answering the same bytes with the same headers from
 * memory, measured in the same run. Load comes from wrk in another process
 * (`wrk -t1 -c20 -d5s --latency`); rounds alternate baseline and registry, and
 * the medians are printed with their ratios. Not a test: run it with
 *
 *   npx tsx bench/registry-throughput.ts [--rounds 3] [--duration 5s]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import { createFileTokenStore, createFsStorage, createRegistry, serveNode } from '../registry-server/index.js';

const run = promisify(execFile);

interface Measure {
  requestsPerSecond: number;
  p99Ms: number;
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '5s' } } });
const rounds = Number(values.rounds);

async function wrk(url: string): Promise<Measure> {
  const { stdout } = await run('wrk', ['-t1', '-c20', `-d${values.duration}`, '--latency', url], { maxBuffer: 1 << 20 });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(stdout);
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  if (!rps || !p99) throw new Error(`cannot read wrk output:\n${stdout}`);
  if (errors) throw new Error(`${url}: ${errors[1]} error responses`);
  const scale = p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1;
  return { requestsPerSecond: Number(rps[1]), p99Ms: Number(p99[1]) * scale };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A plain node:http server answering every request with the given status, headers and bytes. */
async function baselineServer(headers: Record<string, string>, body: Uint8Array): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function captured(url: string): Promise<{ headers: Record<string, string>; body: Uint8Array }> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(key)) headers[key] = value;
  });
  return { headers, body: new Uint8Array(await response.arrayBuffer()) };
}

async function publishFixture(url: string, token: string): Promise<void> {
  const bundle = `export function execute(ctx) { return ${JSON.stringify('x'.repeat(37_000))}.length; }\n`;
  for (let minor = 0; minor < 5; minor++) {
    const version = `1.${minor}.0`;
    const manifest = { name: 'bench', version, description: 'A plugin to measure the registry with', source: { mode: 'esm', path: 'dist/index.js' } };
    const plg = await collectBytes(
      packPlg([
        { path: 'plugin.json', content: JSON.stringify(manifest) },
        { path: 'dist/index.js', content: `${bundle}// ${version}\n` },
      ]),
    );
    const response = await fetch(`${url}/v1/plugins/bench/${version}`, {
      method: 'PUT',
      body: plg as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    });
    if (response.status !== 201) throw new Error(`publish ${version}: ${response.status} ${await response.text()}`);
  }
}

async function main(): Promise<void> {
  try {
    await run('wrk', ['--version']).catch((error: { code?: unknown }) => {
      if (error.code === 'ENOENT') throw error;
    });
  } catch {
    console.error('wrk is not installed (Debian: apt-get install wrk)');
    process.exitCode = 1;
    return;
  }
  const data = await mkdtemp(join(tmpdir(), 'plughub-bench-'));
  const storage = createFsStorage(data);
  const tokens = createFileTokenStore(data);
  const { token } = await tokens.create({ admin: true, publish: [] });
  const registry = await serveNode(createRegistry({ storage, tokens }), { port: 0 });
  try {
    await publishFixture(registry.url, token);
    const document = await captured(`${registry.url}/v1/plugins/bench`);
    const parsed = JSON.parse(new TextDecoder().decode(document.body)) as { versions: Record<string, { dist: { url: string } }> };
    const blobPath = parsed.versions['1.4.0']?.dist.url ?? '';
    const blob = await captured(`${registry.url}${blobPath}`);
    const cases = [
      { name: `GET document (${document.body.byteLength} B)`, path: '/v1/plugins/bench', fixture: document },
      { name: `GET blob (${blob.body.byteLength} B)`, path: blobPath, fixture: blob },
    ];
    console.log(`wrk -t1 -c20 -d${values.duration} --latency, ${rounds} rounds, medians\n`);
    console.log('case                        baseline req/s   p99     registry req/s   p99     ratio');
    for (const item of cases) {
      const baseline = await baselineServer(item.fixture.headers, item.fixture.body);
      const base: Measure[] = [];
      const ours: Measure[] = [];
      try {
        for (let round = 0; round < rounds; round++) {
          base.push(await wrk(`${baseline.url}${item.path}`));
          ours.push(await wrk(`${registry.url}${item.path}`));
        }
      } finally {
        await new Promise((resolve) => baseline.server.close(resolve));
      }
      const baseRps = median(base.map((m) => m.requestsPerSecond));
      const ourRps = median(ours.map((m) => m.requestsPerSecond));
      const line = [
        item.name.padEnd(28),
        baseRps.toFixed(0).padStart(14),
        `${median(base.map((m) => m.p99Ms)).toFixed(2)}ms`.padStart(8),
        ourRps.toFixed(0).padStart(16),
        `${median(ours.map((m) => m.p99Ms)).toFixed(2)}ms`.padStart(8),
        `${((ourRps / baseRps) * 100).toFixed(0)}%`.padStart(8),
      ];
      console.log(line.join(' '));
    }
  } finally {
    await registry.close();
    await storage.close();
    await rm(data, { recursive: true, force: true });
  }
}

await main();
