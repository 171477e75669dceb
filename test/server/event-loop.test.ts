/**
 * No single upload blocks the registry's event loop: while hostile `.plg`
 * uploads are read and refused over a real socket, `/healthz` keeps
 * answering quickly. Paths of thousands of segments once cost the duplicate
 * check quadratic time, and floods of pax headers a quadratic merge.
 */
import { once } from 'node:events';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serveNode } from '../../registry-server/index.js';
import { deepPathPlg, paxFloodPlg, zeroBombPlg } from './hostile-plg.js';
import { onCleanup, publishRequest, testRegistry } from './helpers.js';

/** The slowest /healthz answer we accept while uploads are processed; the loop must never block for seconds. */
const WORST_HEALTHZ_MS = 250;

/** One GET /healthz on a connection of its own (no keep-alive race); resolves to its status and latency in ms. */
async function probeHealth(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const request = httpGet(`${url}/healthz`, { agent: false });
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.resume();
  await once(response, 'end');
  return { status: response.statusCode ?? 0, ms: performance.now() - started };
}

describe('the event loop while hostile uploads are processed', () => {
  it('keeps /healthz answering within 250 ms; refuses paths of 16,000 segments and 1,100 pax headers, accepts what fits the limits', async () => {
    const registry = await testRegistry({ driver: 'memory' });
    const server = await serveNode(registry, { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
    onCleanup(() => server.close());
    const { token: second } = await registry.tokens.create({ admin: true, publish: [] });
    const hostile = [
      { version: '1.0.0', bytes: await deepPathPlg('hello', '1.0.0', 16_000, 2), status: 400, code: 'E_BAD_ARCHIVE', token: registry.adminToken },
      { version: '1.0.1', bytes: await deepPathPlg('hello', '1.0.1', 7_990, 2), status: 422, code: 'E_UNSAFE_ENTRY', token: registry.adminToken },
      { version: '2.0.0', bytes: await paxFloodPlg('hello', '2.0.0', 1_100, 1024), status: 413, code: 'E_TOO_LARGE', token: registry.adminToken },
      { version: '3.0.0', bytes: await paxFloodPlg('hello', '3.0.0', 600, 15 * 1024), status: 201, code: undefined, token: second },
      { version: '4.0.0', bytes: await zeroBombPlg('hello', '4.0.0'), status: 201, code: undefined, token: second },
    ];
    expect(hostile[0]!.bytes.byteLength).toBeLessThan(1024);
    let answered = false;
    const uploads = Promise.all(
      hostile.map(async ({ version, bytes, token }) => {
        const response = await fetch(publishRequest('hello', version, bytes, { token, origin: server.url }));
        const body = (await response.json()) as { error?: { code: string } };
        return { status: response.status, code: body.error?.code };
      }),
    ).finally(() => (answered = true));
    uploads.catch(() => undefined);
    let worst = 0;
    let probes = 0;
    while (!answered && worst < WORST_HEALTHZ_MS) {
      const { status, ms } = await probeHealth(server.url);
      expect(status).toBe(200);
      worst = Math.max(worst, ms);
      probes++;
    }
    expect(worst, `the slowest of ${probes} /healthz probes`).toBeLessThan(WORST_HEALTHZ_MS);
    expect(probes).toBeGreaterThan(0);
    const results = await uploads;
    expect(results.map(({ status }) => status).sort()).toEqual(hostile.map(({ status }) => status).sort());
    expect(results.map(({ code }) => code ?? 'none').sort()).toEqual(hostile.map(({ code }) => code ?? 'none').sort());
  });
});
