/**
 * No single upload blocks the registry's event loop for long: the longest
 * event-loop delay (perf_hooks.monitorEventLoopDelay, in this process, where
 * the server runs) stays under MAX_BLOCK_MS while hostile `.plg` uploads are
 * read and refused over a real socket — paths of thousands of segments once
 * cost the duplicate check quadratic time, and floods of pax headers a
 * quadratic merge — and while a version is published to a plugin whose
 * document is as large as a publish allows (parse, serialize and hash of
 * the whole document on every publish). A few versions later that
 * document is refused to grow (MAX_DOCUMENT_BYTES, 4 MiB less 16 KiB: an
 * 8 MiB document cost a publish 115–170 ms of busy loop, and its signed
 * envelope passed the 8 MiB a host reads), and a host with trustedKeys
 * reads its envelope.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { addVersion, createMemorySigningStore, serveNode, type RegistryStorage } from '../../registry-server/index.js';
import { MAX_DOCUMENT_BYTES } from '../../registry-server/publish.js';
import { MAX_MANIFEST_JSON_BYTES } from '../../src/core/plugin/manifest-limits.js';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { deepPathPlg, paxFloodPlg, zeroBombPlg } from './hostile-plg.js';
import { bundleText, onCleanup, plg, publishRequest, sha256Hex, testRegistry } from './helpers.js';

/**
 * The longest the event loop may be blocked at once. The aim is ~50 ms (15–55
 * ms measured here); the bound leaves room for timer resolution and a loaded
 * two-core machine, and stays far below the seconds the quadratic paths once
 * took.
 */
const MAX_BLOCK_MS = 100;
/**
 * Rounds a measurement may take. A loaded machine's scheduler now and then
 * stalls the whole process for 100–200 ms with nothing of ours running
 * (seen with no GC in the stall); code that blocks does so in every round,
 * so the quietest of a few rounds must stay under the bound.
 */
const ROUNDS = 3;

/** Runs `work` with an event-loop delay histogram enabled; resolves to its result and the longest delay in ms. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await work();
    return { result, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** Runs `round` until its longest delay is under MAX_BLOCK_MS, at most ROUNDS times; resolves to every round's longest delay. */
async function quietestOf(round: () => Promise<number>): Promise<number[]> {
  const delays: number[] = [];
  while (delays.length < ROUNDS && !delays.some((ms) => ms < MAX_BLOCK_MS)) delays.push(await round());
  return delays;
}

/** A manifest of `name@version` whose http_services routes fill about MAX_MANIFEST_JSON_BYTES. */
function routesManifest(name: string, version: string): Record<string, unknown> {
  const routes = Array.from({ length: 55 }, (_, i) => ({ route: `/${'r'.repeat(1000)}${i}`, method: 'GET', label: 'l'.repeat(120) }));
  const manifest = { name, version, source: { mode: 'esm', path: 'dist/index.js' }, http_services: { driver: 'd', routes } };
  expect(JSON.stringify(manifest).length).toBeLessThan(MAX_MANIFEST_JSON_BYTES);
  expect(JSON.stringify(manifest).length).toBeGreaterThan(MAX_MANIFEST_JSON_BYTES - 8 * 1024);
  return manifest;
}

/** Stores versions 1.0.0 … of `name` with routes manifests until the document is within five more versions of MAX_DOCUMENT_BYTES. */
async function fillDocument(storage: RegistryStorage, name: string): Promise<number> {
  const hex = sha256Hex(new TextEncoder().encode(name));
  const snapshot = await storage.updateDocument(name, (current) => {
    let document = current;
    for (let i = 0; JSON.stringify(document ?? {}).length < MAX_DOCUMENT_BYTES - 5 * MAX_MANIFEST_JSON_BYTES; i++) {
      const entry = {
        manifest: routesManifest(name, `1.0.${i}`),
        dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: 1, url: `/v1/blobs/sha256/${hex}` },
        publishedAt: new Date(0).toISOString(),
        yanked: false,
      };
      document = addVersion(document, name, `1.0.${i}`, entry as never, Date.now());
    }
    return document;
  });
  return snapshot!.bytes.byteLength;
}

describe('the event loop while uploads are processed', () => {
  it('is never blocked 100 ms at a time; paths of 16,000 segments and 1,100 pax headers are refused, what fits the limits accepted', {
    timeout: 60_000,
  }, async () => {
    const delays = await quietestOf(async () => {
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
      const { result: results, maxMs } = await measured(() =>
        Promise.all(
          hostile.map(async ({ version, bytes, token }) => {
            const response = await fetch(publishRequest('hello', version, bytes, { token, origin: server.url }));
            const body = (await response.json()) as { error?: { code: string } };
            return { status: response.status, code: body.error?.code };
          }),
        ),
      );
      expect(results.map(({ status }) => status).sort()).toEqual(hostile.map(({ status }) => status).sort());
      expect(results.map(({ code }) => code ?? 'none').sort()).toEqual(hostile.map(({ code }) => code ?? 'none').sort());
      return maxMs;
    });
    expect(
      Math.min(...delays),
      `the longest event-loop delay of each round while the uploads were processed: ${delays.map((ms) => ms.toFixed(1)).join(', ')} ms`,
    ).toBeLessThan(MAX_BLOCK_MS);
  });

  it('is never blocked 100 ms at a time by a publish to a document as large as a publish allows, whose envelope a host still reads', {
    timeout: 60_000,
  }, async () => {
    const registry = await testRegistry({ extra: { signing: { store: createMemorySigningStore() } } });
    const size = await fillDocument(registry.storage, 'big');
    const server = await serveNode(registry, { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
    onCleanup(() => server.close());
    const publishRoutes = async (version: string) => {
      const bytes = await plg([
        { path: 'plugin.json', content: JSON.stringify(routesManifest('big', version)) },
        { path: 'dist/index.js', content: bundleText('big', version) },
      ]);
      const response = await fetch(publishRequest('big', version, bytes, { token: registry.adminToken, origin: server.url }));
      await response.arrayBuffer();
      return response.status;
    };
    expect(await publishRoutes('2.0.0')).toBe(201);
    let next = 1;
    const delays = await quietestOf(async () => {
      const { result: status, maxMs } = await measured(() => publishRoutes(`2.0.${next++}`));
      expect(status).toBe(201);
      return maxMs;
    });
    expect(
      Math.min(...delays),
      `the longest event-loop delay of each publish to a document of ${size} bytes: ${delays.map((ms) => ms.toFixed(1)).join(', ')} ms`,
    ).toBeLessThan(MAX_BLOCK_MS);
    let refused = 0;
    for (let i = next; refused === 0; i++) refused = (await publishRoutes(`2.0.${i}`)) === 413 ? i : 0;
    expect(refused).toBeLessThan(8);
    const stored = (await registry.storage.getDocument('big'))!.bytes.byteLength;
    expect(stored).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);
    const host = createRegistryClient({ url: server.url, signed: true, retry: 0 });
    const answer = await host.getDocument('big');
    expect(answer.status === 200 && answer.envelope !== undefined && Object.keys(answer.document.versions).length).toBeGreaterThan(refused);
  });
});
