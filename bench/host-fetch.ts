/**
 * `host.fetch` on a trivial in-process route against the same handler called
 * directly and its result wrapped in a Response, measured in the same run:
 * the time per call plughub's route path adds (route matching, the call's
 * context, the in-flight count, the result turned into a Response), without
 * HTTP around it. Both sides build a fresh Request per call, as a server
 * bridge does, and read the answer's text. Calls run `--concurrency` at a
 * time (20, like the HTTP benchmark's connections); rounds alternate the two
 * sides and the medians are printed with their ratio. Not a test: run it with
 *
 *   npx tsx bench/host-fetch.ts [--rounds 5] [--calls 20000] [--concurrency 20]
 */
import { parseArgs } from 'node:util';
import { createHost } from '../src/core/host/create.js';
import { median } from './support/stats.js';

const ROUTE = '/api/plugin/bench/hello';
const URL_TEXT = `http://127.0.0.1${ROUTE}`;
const PLUGIN_SOURCE = `export default {
  execute() {
    return 'hello from a plugin route';
  },
};
`;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '20' },
  },
});
const rounds = Number(values.rounds);
const calls = Number(values.calls);
const concurrency = Number(values.concurrency);

type Handler = (request: Request) => Promise<Response>;

/** Microseconds per call of `handler` over `calls` calls, `concurrency` at a time. */
async function measure(handler: Handler): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls) {
      next += 1;
      const response = await handler(new Request(URL_TEXT));
      await response.text();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return ((performance.now() - started) * 1000) / calls;
}

async function main(): Promise<void> {
  const host = createHost();
  try {
    await host.loadBundle({
      manifest: {
        name: 'bench',
        version: '1.0.0',
        source: { mode: 'esm', path: 'index.js' },
        http_services: { routes: [{ route: ROUTE, method: 'GET', label: 'hello' }] },
      },
      bytes: new TextEncoder().encode(PLUGIN_SOURCE),
      location: '/plugins/bench',
    });
    const plugin = { execute: () => 'hello from a plugin route' };
    const bare: Handler = async () => new Response(plugin.execute(), { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const routed: Handler = (request) => host.fetch(request);
    const check = await (await routed(new Request(URL_TEXT))).text();
    if (check !== plugin.execute()) throw new Error(`host.fetch answered ${JSON.stringify(check)}`);
    // Warm both paths up before measuring.
    await measure(bare);
    await measure(routed);
    const bareTimes: number[] = [];
    const routedTimes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      bareTimes.push(await measure(bare));
      routedTimes.push(await measure(routed));
    }
    const bareUs = median(bareTimes);
    const routedUs = median(routedTimes);
    console.log(`${calls} calls per round, ${concurrency} at a time, ${rounds} rounds interleaved, medians\n`);
    console.log('path                          µs/call   calls/s   ratio (calls/s)');
    for (const [name, us] of [
      ['handler + new Response', bareUs],
      ['host.fetch', routedUs],
    ] as const) {
      console.log(`${name.padEnd(26)} ${us.toFixed(2).padStart(10)} ${(1e6 / us).toFixed(0).padStart(9)} ${(bareUs / us).toFixed(2).padStart(10)}`);
    }
    console.log(`\nhost.fetch adds ${(routedUs - bareUs).toFixed(2)} µs per call`);
  } finally {
    await host.close();
  }
}

await main();
