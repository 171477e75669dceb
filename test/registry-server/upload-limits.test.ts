/**
 * Uploads that stall, trickle or pile up, over a real socket: a stalled
 * upload holds no unpacked bytes (the body is spooled, small ones in memory
 * and larger ones to an unlinked temp file of createFsUploadSpool, and
 * unpacked only once it has all arrived), an upload that sends too little per window or takes too long
 * in all is cut with 408, and one token may have only a few uploads in
 * flight (429 beyond, with the slot freed when an upload ends or fails).
 */
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DEFAULT_UPLOAD_LIMITS } from '../../registry-server/options.js';
import { createFsUploadSpool } from '../../registry-server/upload/fs-spool.js';
import { zeroBombPlg } from './hostile-plg.js';
import { bundleText, manifest, plg, pluginPackage, pluginPath, publishRequest, tempDir, type ExtraRegistryOptions } from './helpers.js';
import { rawPut, servedRegistry, type RawAnswer, type ServedRegistry } from './socket-helpers.js';

const MiB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Bytes held in live ArrayBuffers (Buffers, Uint8Arrays) by this process, after full garbage collections. */
async function bufferBytes(): Promise<number> {
  collectGarbage();
  await delay(1);
  collectGarbage();
  return process.memoryUsage().arrayBuffers;
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(10);
  }
}

/** A served registry whose server records the node:http requests it receives. */
async function uploadRegistry(extra: ExtraRegistryOptions): Promise<ServedRegistry & { incoming: IncomingMessage[] }> {
  const registry = await servedRegistry({ driver: 'memory', extra });
  const incoming: IncomingMessage[] = [];
  registry.server.server.on('request', (request: IncomingMessage) => incoming.push(request));
  return { ...registry, incoming };
}

/** Starts a chunked PUT of `name@version` that sends `bytes` and then stalls (never ends). */
function stalledUpload(registry: ServedRegistry, name: string, version: string, bytes: Uint8Array, token = registry.adminToken) {
  const { request, response } = rawPut(registry.url, pluginPath(name, version), { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' });
  response.catch(() => undefined);
  request.write(bytes);
  const socket = new Promise<Socket>((resolve) => request.once('socket', resolve));
  return { request, response, socket };
}

/** Waits until the server has read every byte the given client sockets wrote. */
async function serverReadAll(registry: ServedRegistry, clients: Promise<Socket>[]): Promise<void> {
  const sockets = await Promise.all(clients);
  await until(() => sockets.every((socket) => socket.writableLength === 0), 'the clients flushed their bytes');
  const written = () => sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0);
  await until(() => registry.sockets.reduce((sum, socket) => sum + socket.bytesRead, 0) >= written(), 'the server read every byte sent');
}

/**
 * The largest growth of `bufferBytes()` (live buffers) over `baseline`,
 * sampled every 50 ms until it has settled (within 1 MiB for half a second)
 * or 10 s have passed: a server still unpacking what it received keeps it
 * moving.
 */
async function peakGrowth(baseline: number): Promise<number> {
  let peak = 0;
  let settled = 0;
  let last = Number.NaN;
  for (const deadline = Date.now() + 10_000; settled < 10 && Date.now() < deadline; await delay(50)) {
    const growth = (await bufferBytes()) - baseline;
    peak = Math.max(peak, growth);
    settled = Math.abs(growth - last) < MiB ? settled + 1 : 0;
    last = growth;
  }
  return peak;
}

function errorCode(answer: RawAnswer): string {
  return (JSON.parse(answer.body) as { error: { code: string } }).error.code;
}

describe('stalled uploads', () => {
  it('hold no unpacked bytes: 12 stalled gzip bombs of 18 KB (18 MiB unpacked each) keep less than 8 MiB alive', async () => {
    const registry = await uploadRegistry({ uploads: { perToken: 16 } });
    const bombs = await Promise.all(Array.from({ length: 12 }, (_, i) => zeroBombPlg('hello', `1.0.${i}`)));
    expect(Math.max(...bombs.map((bytes) => bytes.byteLength))).toBeLessThan(32 * 1024);
    const baseline = await bufferBytes();
    const uploads = bombs.map((bytes, i) => stalledUpload(registry, 'hello', `1.0.${i}`, bytes));
    await serverReadAll(
      registry,
      uploads.map(({ socket }) => socket),
    );
    expect(await peakGrowth(baseline)).toBeLessThan(8 * MiB);
    for (const { request } of uploads) request.destroy();
  });

  it('spool bodies above the memory threshold to a temp file that no directory listing shows: 6 stalled 4 MiB bodies keep less than 6 MiB alive', async () => {
    const directory = await tempDir();
    const registry = await uploadRegistry({ uploads: { perToken: 8 }, uploadSpool: createFsUploadSpool(directory) });
    const noise = crypto.getRandomValues(new Uint8Array(64 * 1024));
    const files = Array.from({ length: 64 }, (_, i) => ({ path: `noise/${i}.bin`, content: noise.map((byte) => byte ^ i) }));
    const noisyPackage = (version: string) =>
      plg([
        { path: 'plugin.json', content: JSON.stringify(manifest('hello', version)) },
        { path: 'dist/index.js', content: bundleText('hello', version) },
        ...files,
      ]);
    const packages = await Promise.all(Array.from({ length: 6 }, (_, i) => noisyPackage(`1.0.${i}`)));
    expect(packages[0]!.byteLength).toBeGreaterThan(4 * MiB - 64 * 1024);
    const baseline = await bufferBytes();
    const uploads = packages.map((bytes, i) => stalledUpload(registry, 'hello', `1.0.${i}`, bytes));
    await serverReadAll(
      registry,
      uploads.map(({ socket }) => socket),
    );
    expect(await peakGrowth(baseline)).toBeLessThan(6 * MiB);
    expect(await readdir(directory)).toEqual([]);
    for (const { request } of uploads) request.destroy();
    const whole = await noisyPackage('2.0.0');
    const published = await fetch(publishRequest('hello', '2.0.0', whole, { token: registry.adminToken, origin: registry.url }));
    expect(published.status).toBe(201);
    expect(await readdir(directory)).toEqual([]);
  });

  it('are cut with 408 E_UPLOAD_TIMEOUT when they send less than minBytes in a window', async () => {
    const registry = await uploadRegistry({ uploads: { windowMs: 300, minBytes: 1024 } });
    const { bytes } = await pluginPackage('hello', '1.0.0');
    const started = performance.now();
    const upload = stalledUpload(registry, 'hello', '1.0.0', bytes.subarray(0, bytes.byteLength - 10));
    const answer = await upload.response;
    const elapsed = performance.now() - started;
    expect([answer.message.statusCode, errorCode(answer)]).toEqual([408, 'E_UPLOAD_TIMEOUT']);
    expect(answer.message.headers.connection).toBe('close');
    expect(JSON.parse(answer.body).error.message).toMatch(/hello@1\.0\.0.*1024 bytes in 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    upload.request.destroy();
  });

  it('are cut with 408 E_UPLOAD_TIMEOUT when the whole body takes longer than timeoutMs, even at a good rate', async () => {
    const registry = await uploadRegistry({ uploads: { timeoutMs: 800, windowMs: 200, minBytes: 100 } });
    const { bytes } = await pluginPackage('hello', '1.0.0');
    const started = performance.now();
    const upload = stalledUpload(registry, 'hello', '1.0.0', bytes.subarray(0, 10));
    const trickle = setInterval(() => upload.request.write(new Uint8Array(200)), 50);
    try {
      const answer = await upload.response;
      const elapsed = performance.now() - started;
      expect([answer.message.statusCode, errorCode(answer)]).toEqual([408, 'E_UPLOAD_TIMEOUT']);
      expect(JSON.parse(answer.body).error.message).toMatch(/hello@1\.0\.0.*800 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(790);
      expect(elapsed).toBeLessThan(4000);
    } finally {
      clearInterval(trickle);
      upload.request.destroy();
    }
  });
});

describe('uploads per token', () => {
  it('answers 429 E_TOO_MANY_UPLOADS past perToken, and frees the slot when an upload ends or fails', async () => {
    const registry = await uploadRegistry({ uploads: { perToken: 2 } });
    const { bytes } = await pluginPackage('hello', '1.0.0');
    const stalled = [0, 1].map((i) => stalledUpload(registry, 'hello', `1.0.${i}`, bytes.subarray(0, 100)));
    await until(() => registry.incoming.length === 2 && registry.incoming.every((request) => request.listenerCount('data') > 0), 'both uploads are being read');
    const third = await fetch(publishRequest('hello', '1.0.0', bytes, { token: registry.adminToken, origin: registry.url }));
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    const error = ((await third.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('E_TOO_MANY_UPLOADS');
    expect(error.message).toMatch(/2 uploads/);
    const { token: other } = await registry.tokens.create({ admin: false, publish: ['hello'] });
    expect((await fetch(publishRequest('hello', '1.0.0', bytes, { token: other, origin: registry.url }))).status).toBe(201);
    const aborted = once(registry.handled, 'status');
    stalled[0]!.request.destroy();
    expect(await aborted).toEqual([400]);
    const next = await pluginPackage('hello', '1.1.0');
    expect((await fetch(publishRequest('hello', '1.1.0', next.bytes, { token: registry.adminToken, origin: registry.url }))).status).toBe(201);
    const refused = await fetch(publishRequest('hello', '1.2.0', next.bytes, { token: registry.adminToken, origin: registry.url }));
    expect(refused.status).toBe(422);
    const last = await pluginPackage('hello', '1.2.0');
    expect((await fetch(publishRequest('hello', '1.2.0', last.bytes, { token: registry.adminToken, origin: registry.url }))).status).toBe(201);
    stalled[1]!.request.destroy();
  });

  it('defaults to 4 uploads per token, 60 s per upload, 16 KiB per 10 s, 64 KiB in memory', () => {
    expect(DEFAULT_UPLOAD_LIMITS).toEqual({
      timeoutMs: 60_000,
      windowMs: 10_000,
      minBytes: 16 * 1024,
      perToken: 4,
      memoryBytes: 64 * 1024,
      memoryTotalBytes: 64 * MiB,
    });
  });
});
