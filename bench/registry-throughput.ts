/**
 * Registry read throughput: GET of a plugin document (a 200, and a 304 to
 * If-None-Match) and of a 37 KB bundle blob, served by the registry
 * (filesystem storage, node:http bridge), against a raw node:http server
 * answering the same bytes with the same headers from memory, measured in
 * the same run. Each server runs in a process of its own
 * (bench/registry-throughput-servers.ts), so the CPU time each spends per
 * request is measured apart from wrk's and this script's; this script
 * publishes the fixture and reads what the registry answers
 * (bench/registry-throughput-fixture.ts), so neither server runs an HTTP
 * client. Load comes from
 * wrk in another process (`wrk -t1 -c20 -d5s --latency`); rounds alternate
 * raw and registry (which goes first alternates too). Printed: every
 * round's requests/s, p99, CPU µs per request and ratios, then per case the median CPU (its kernel part apart) and, against the
 * goal — the registry at ≥ 0.85 of raw's requests/s and under 2× raw's p99
 * in every round — PASS or FAIL. Before a case's first round each server
 * answers it under the same load for `--warmup` (default 2s), unmeasured,
 * raw first, so that round 1 measures neither one's JIT warming up. Not a
 * test: run it with
 *
 *   npx tsx bench/registry-throughput.ts [--rounds 5] [--duration 5s] [--warmup 2s] [--profile DIR]
 *
 * `--profile DIR` writes `node --cpu-prof` profiles of the servers into DIR/registry and DIR/raw.
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import type { FixtureRoute, ScriptMessage, ServerMessage } from './registry-throughput-servers.js';
import { makeFixture } from './registry-throughput-fixture.js';
import { median } from './support/stats.js';
import { runWrk } from './support/wrk.js';

const run = promisify(execFile);
const SERVERS = new URL('./registry-throughput-servers.ts', import.meta.url).pathname;
const GOAL_RATIO = 0.85;
/**
 * Node flags of both servers. Rounds alternate, so each server idles for
 * the other's round, and V8's memory reducer collects the heap in such a
 * lull: it drops the type feedback of shapes no live object has, and the
 * code built on it, and what a server learnt again afterwards ran up to a
 * fifth slower for the rest of the run, raw and registry alike, by chance
 * (the bimodal figures of earlier runs: 16.5 or 19.3 µs of CPU per blob GET
 * for the same raw server, 17.6 or 21.3 for the registry). A server under
 * steady load never idles long enough for it; without it, both are
 * measured as such a server runs.
 */
const SERVER_FLAGS = ['--no-memory-reducer'];
const GOAL_P99_RATIO = 2;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5s' },
    warmup: { type: 'string', default: '2s' },
    profile: { type: 'string' },
  },
});
const rounds = Number(values.rounds);

/** A process's CPU time so far, in µs. */
interface CpuTime {
  user: number;
  system: number;
}

interface Measure {
  requestsPerSecond: number;
  p99Ms: number;
  /** CPU time of the server's process per request, in µs. */
  cpuMicros: number;
  /** The part of it spent in the kernel (system time), in µs. */
  systemMicros: number;
}

/** A server process and the questions it answers. */
class ServerProcess {
  readonly child: ChildProcess;
  /** The server's URL once it answers (the registry as it listens, with a publish token; raw once it serves the fixture). */
  readonly ready: Promise<{ url: string; token: string }>;
  #cpu: ((time: CpuTime) => void) | undefined;

  constructor(mode: 'registry' | 'raw', execArgv: string[] = []) {
    this.child = fork(SERVERS, [mode], { execArgv: [...process.execArgv, ...SERVER_FLAGS, ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`the ${mode} server exited (${code}) before it was ready`)));
      this.child.on('message', (message: ServerMessage) => {
        if (message.type === 'listening' || message.type === 'ready') resolve({ url: message.url, token: message.type === 'listening' ? message.token : '' });
        else if (message.type === 'cpu') this.#cpu?.({ user: message.user, system: message.system });
      });
    });
    this.ready.catch(() => undefined);
  }

  tell(message: ScriptMessage): void {
    this.child.send(message);
  }

  /** The process's CPU time so far, in µs. */
  cpu(): Promise<CpuTime> {
    return new Promise((resolve) => {
      this.#cpu = resolve;
      this.tell({ type: 'cpu' });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.tell({ type: 'stop' });
    await exited;
  }
}

/** One wrk run against `url`, with the server's CPU time per request. */
async function wrk(server: ServerProcess, url: string, headers: string[]): Promise<Measure> {
  const before = await server.cpu();
  const result = await runWrk(url, values.duration, headers);
  const after = await server.cpu();
  const system = after.system - before.system;
  const cpu = after.user - before.user + system;
  return { requestsPerSecond: result.requestsPerSecond, p99Ms: result.p99Ms, cpuMicros: cpu / result.requests, systemMicros: system / result.requests };
}

interface Case {
  name: string;
  path: string;
  headers: string[];
}

interface Verdict {
  name: string;
  ratios: number[];
  p99Ratios: number[];
  raw: Measure[];
  ours: Measure[];
}

const column = (text: string, width: number) => text.padStart(width);

async function measureCase(item: Case, raw: ServerProcess, registry: ServerProcess, rawUrl: string, registryUrl: string): Promise<Verdict> {
  console.log(`\n${item.name}`);
  console.log('round   raw req/s     p99  µs CPU   registry req/s     p99  µs CPU   ratio  p99 ratio');
  const verdict: Verdict = { name: item.name, ratios: [], p99Ratios: [], raw: [], ours: [] };
  // Unmeasured: the same load on both servers before round 1.
  await runWrk(`${rawUrl}${item.path}`, values.warmup, item.headers);
  await runWrk(`${registryUrl}${item.path}`, values.warmup, item.headers);
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0;
    const a = await wrk(first ? raw : registry, `${first ? rawUrl : registryUrl}${item.path}`, item.headers);
    const b = await wrk(first ? registry : raw, `${first ? registryUrl : rawUrl}${item.path}`, item.headers);
    const [base, ours] = first ? [a, b] : [b, a];
    verdict.raw.push(base);
    verdict.ours.push(ours);
    verdict.ratios.push(ours.requestsPerSecond / base.requestsPerSecond);
    verdict.p99Ratios.push(ours.p99Ms / base.p99Ms);
    console.log(
      [
        column(String(round + 1), 5),
        column(base.requestsPerSecond.toFixed(0), 11),
        column(`${base.p99Ms.toFixed(2)}ms`, 7),
        column(base.cpuMicros.toFixed(1), 7),
        column(ours.requestsPerSecond.toFixed(0), 16),
        column(`${ours.p99Ms.toFixed(2)}ms`, 7),
        column(ours.cpuMicros.toFixed(1), 7),
        column(verdict.ratios.at(-1)!.toFixed(2), 7),
        column(verdict.p99Ratios.at(-1)!.toFixed(2), 10),
      ].join(' '),
    );
  }
  return verdict;
}

function report(verdict: Verdict): boolean {
  const minRatio = Math.min(...verdict.ratios);
  const maxP99 = Math.max(...verdict.p99Ratios);
  const rawCpu = median(verdict.raw.map((m) => m.cpuMicros));
  const ourCpu = median(verdict.ours.map((m) => m.cpuMicros));
  const rawSystem = median(verdict.raw.map((m) => m.systemMicros));
  const ourSystem = median(verdict.ours.map((m) => m.systemMicros));
  const rpsPass = minRatio >= GOAL_RATIO;
  const p99Pass = maxP99 < GOAL_P99_RATIO;
  console.log(
    `${verdict.name}: requests/s ratio min ${minRatio.toFixed(2)} median ${median(verdict.ratios).toFixed(2)} (goal ≥ ${GOAL_RATIO} in every round: ${rpsPass ? 'PASS' : 'FAIL'}); ` +
      `p99 ratio max ${maxP99.toFixed(2)} median ${median(verdict.p99Ratios).toFixed(2)} (goal < ${GOAL_P99_RATIO} in every round: ${p99Pass ? 'PASS' : 'FAIL'}); ` +
      `CPU per request ${ourCpu.toFixed(1)} µs against ${rawCpu.toFixed(1)} µs (${(ourCpu / rawCpu).toFixed(2)}×, +${(ourCpu - rawCpu).toFixed(1)} µs; system time ${ourSystem.toFixed(1)} against ${rawSystem.toFixed(1)} µs)`,
  );
  return rpsPass && p99Pass;
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
  const profile = (mode: string) => (values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values.profile}/${mode}`]);
  const registry = new ServerProcess('registry', profile('registry'));
  const raw = new ServerProcess('raw', profile('raw'));
  try {
    const { url: registryUrl, token } = await registry.ready;
    const routes = await makeFixture(registryUrl, token);
    raw.tell({ type: 'serve', routes });
    const { url: rawUrl } = await raw.ready;
    const [document, blob] = routes;
    const size = (route: FixtureRoute) => Buffer.from(route.body, 'base64').byteLength;
    const cases: Case[] = [
      { name: `GET document (${size(document)} B)`, path: document.path, headers: [] },
      { name: 'GET document, If-None-Match (304)', path: document.path, headers: [`If-None-Match: ${document.etag}`] },
      { name: `GET blob (${size(blob)} B)`, path: blob.path, headers: [] },
    ];
    console.log(
      `wrk -t1 -c20 -d${values.duration} --latency; ${rounds} rounds, raw and registry alternating, each server in a process of its own, each warmed up for ${values.warmup} per case`,
    );
    const verdicts: Verdict[] = [];
    for (const item of cases) verdicts.push(await measureCase(item, raw, registry, rawUrl, registryUrl));
    console.log('');
    const passed = verdicts.map(report).every(Boolean);
    console.log(`\ngoal (≥ ${GOAL_RATIO}× raw's requests/s and p99 < ${GOAL_P99_RATIO}× raw's, every round, every case): ${passed ? 'PASS' : 'FAIL'}`);
  } finally {
    await Promise.all([registry.stop(), raw.stop()]);
  }
}

await main();
