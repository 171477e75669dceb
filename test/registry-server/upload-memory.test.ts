/**
 * Upload bodies the registry keeps in memory are bounded all together, not
 * only one by one: a registry embedded without an `uploadSpool` (only
 * `plughub serve` wires the temp-file spool) once kept every body whole in
 * memory, up to 10 MiB per upload and as many uploads as tokens allowed.
 * Past `uploads.memoryTotalBytes` a body goes to the spool's temp file, or,
 * without a spool, the upload is refused 503 E_UNAVAILABLE with a
 * Retry-After; the memory comes back when an upload ends either way.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFsUploadSpool } from '../../registry-server/index.js';
import { DEFAULT_UPLOAD_LIMITS } from '../../registry-server/options.js';
import { bundleText, errorOf, manifest, plg, publishRequest, tempDir, testRegistry, type ExtraRegistryOptions } from './helpers.js';

const KiB = 1024;

/** A valid package of `name@version` about `size` bytes long once compressed (random bytes do not compress). */
function noisyPackage(name: string, version: string, size: number): Promise<Uint8Array> {
  return plg([
    { path: 'plugin.json', content: JSON.stringify(manifest(name, version)) },
    { path: 'dist/index.js', content: bundleText(name, version) },
    { path: 'noise.bin', content: new Uint8Array(randomBytes(size)) },
  ]);
}

/**
 * A publish whose body the test sends piece by piece: `send(n)` sends the
 * next n bytes, `end()` the rest; `read()` holds once the registry has taken
 * everything sent so far.
 */
function heldUpload(registry: { fetch(request: Request): Promise<Response>; adminToken: string }, name: string, version: string, bytes: Uint8Array) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const response = registry.fetch(publishRequest(name, version, body, { token: registry.adminToken }));
  let sent = 0;
  return {
    response,
    send(count: number) {
      controller.enqueue(bytes.slice(sent, sent + count));
      sent += count;
    },
    end() {
      controller.enqueue(bytes.slice(sent));
      controller.close();
    },
    read: () => (controller.desiredSize ?? 0) > 0,
  };
}

/** Polls `condition` every 5 ms until it holds; fails after 5 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !condition(); await new Promise((resolve) => setTimeout(resolve, 5))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  }
}

async function registryWith(extra: ExtraRegistryOptions) {
  return testRegistry({ driver: 'memory', extra: { ...extra, uploads: { perToken: 8, memoryTotalBytes: 256 * KiB, ...extra.uploads } } });
}

describe('upload bodies held in memory, all together', () => {
  it('defaults to 64 MiB', () => {
    expect(DEFAULT_UPLOAD_LIMITS.memoryTotalBytes).toBe(64 * 1024 * KiB);
  });

  it('without a spool, refuses the upload that would pass memoryTotalBytes with 503, and admits uploads again once memory is back', async () => {
    const registry = await registryWith({});
    const first = heldUpload(registry, 'first', '1.0.0', await noisyPackage('first', '1.0.0', 200 * KiB));
    first.send(180 * KiB);
    await until(first.read, "the registry took the first upload's bytes");
    const second = heldUpload(registry, 'second', '1.0.0', await noisyPackage('second', '1.0.0', 120 * KiB));
    second.send(100 * KiB);
    second.end();
    const refused = await second.response;
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const error = await errorOf(refused);
    expect(error.code).toBe('E_UNAVAILABLE');
    expect(error.message).toMatch(/second@1\.0\.0.*262144 bytes/);
    first.end();
    expect((await first.response).status).toBe(201);
    const again = heldUpload(registry, 'second', '1.0.0', await noisyPackage('second', '1.0.0', 120 * KiB));
    again.end();
    expect((await again.response).status).toBe(201);
  });

  it('with a spool, moves the body that would pass memoryTotalBytes to a temp file instead', async () => {
    const registry = await registryWith({ uploadSpool: createFsUploadSpool(await tempDir()), uploads: { memoryBytes: 512 * KiB } });
    const first = heldUpload(registry, 'first', '1.0.0', await noisyPackage('first', '1.0.0', 200 * KiB));
    first.send(180 * KiB);
    await until(first.read, "the registry took the first upload's bytes");
    const second = heldUpload(registry, 'second', '1.0.0', await noisyPackage('second', '1.0.0', 120 * KiB));
    second.end();
    expect((await second.response).status).toBe(201);
    first.end();
    expect((await first.response).status).toBe(201);
  });
});
