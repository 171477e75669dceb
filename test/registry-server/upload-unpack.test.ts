/**
 * Unpacking a received upload (registry-server/upload/unpack.ts): a body in
 * memory is inflated in one call, a larger one or a spooled one streams
 * through readPlg, and both paths keep every limit and give the same errors.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SizeLimitError } from '../../src/core/errors/index.js';
import { DEFAULT_PLG_LIMITS, type PackageError, bytesToStream, collectBytes, readPlg, writeTar, type PlgLimits } from '../../src/core/plg/index.js';
import { createFsUploadSpool } from '../../registry-server/index.js';
import { UploadMemory } from '../../registry-server/upload/memory.js';
import { BodySpool, type SpooledBody } from '../../registry-server/upload/spool.js';
import { unpackUpload } from '../../registry-server/upload/unpack.js';
import { onCleanup, pluginPackage, tempDir, validEntries } from './helpers.js';

/** `bytes` received as an upload: held in memory, or (`spooled`) in a temp file. */
async function received(bytes: Uint8Array, spooled = false): Promise<SpooledBody> {
  const spool = new BodySpool({
    memoryBytes: spooled ? 0 : bytes.byteLength,
    memory: new UploadMemory(64 * 1024 * 1024),
    spool: spooled ? createFsUploadSpool(await tempDir()) : undefined,
    retryAfterSeconds: 1,
    what: 'test',
  });
  await spool.write(bytes);
  const body = spool.finish();
  onCleanup(() => body.close());
  return body;
}

/** What an unpack attempt ended with: the package's files, or the error's class, code and message. */
async function outcome(attempt: Promise<{ files: Map<string, Uint8Array> }>): Promise<unknown> {
  try {
    const plg = await attempt;
    return { files: [...plg.files.keys()].sort() };
  } catch (error) {
    const { name, code, message } = error as PackageError;
    return { name, code, message };
  }
}

/** A package of `hello@1.0.0` with a file of `zeros` zero bytes beside it. */
async function withZeros(zeros: number): Promise<Uint8Array> {
  const entries = [...validEntries('hello', '1.0.0'), { path: 'zeros', content: new Uint8Array(zeros) }];
  return new Uint8Array(gzipSync(await collectBytes(writeTar(entries))));
}

describe('unpacking an upload', () => {
  it('reads a body held in memory in one call, to the package readPlg reads', async () => {
    const { bytes } = await pluginPackage('hello', '1.0.0');
    const body = await received(bytes);
    expect(body.bytes()).toBeDefined();
    const plg = await unpackUpload(body, DEFAULT_PLG_LIMITS);
    const streamed = await readPlg(bytesToStream(bytes), DEFAULT_PLG_LIMITS);
    expect(plg.manifestJson).toEqual(streamed.manifestJson);
    expect([...plg.files]).toEqual([...streamed.files]);
    expect(plg.bundle).toEqual(streamed.bundle);
  });

  it('streams a spooled body through readPlg', async () => {
    const { bytes } = await pluginPackage('hello', '1.0.0');
    const body = await received(bytes, true);
    expect(body.bytes()).toBeUndefined();
    expect((await unpackUpload(body, DEFAULT_PLG_LIMITS)).manifest.name).toBe('hello');
  });

  it('streams a package that inflates past the one-call bound, within the limits', async () => {
    const bytes = await withZeros(256 * 1024);
    const plg = await unpackUpload(await received(bytes), DEFAULT_PLG_LIMITS, 64 * 1024);
    expect(plg.files.get('zeros')?.byteLength).toBe(256 * 1024);
  });

  it('refuses a gzip bomb at the unpacked limit, as readPlg does', async () => {
    const limits: PlgLimits = { ...DEFAULT_PLG_LIMITS, maxUnpackedBytes: 128 * 1024 };
    const bytes = await withZeros(1024 * 1024);
    const inMemory = await outcome(unpackUpload(await received(bytes), limits));
    expect(inMemory).toEqual(await outcome(readPlg(bytesToStream(bytes), limits)));
    expect(inMemory).toMatchObject({ name: new SizeLimitError('', 0).name, code: 'E_TOO_LARGE' });
  });

  it('keeps the entry, file and manifest limits of readPlg', async () => {
    const bytes = await withZeros(64 * 1024);
    for (const limits of [
      { ...DEFAULT_PLG_LIMITS, maxFileBytes: 32 * 1024 },
      { ...DEFAULT_PLG_LIMITS, maxEntries: 2 },
      { ...DEFAULT_PLG_LIMITS, maxManifestBytes: 16 },
      { ...DEFAULT_PLG_LIMITS, maxPackageBytes: 64 },
    ]) {
      const inMemory = await outcome(unpackUpload(await received(bytes), limits));
      expect(inMemory).toMatchObject({ code: 'E_TOO_LARGE' });
      expect(inMemory).toEqual(await outcome(readPlg(bytesToStream(bytes), limits)));
    }
  });

  it('gives the errors of readPlg for bytes that are not gzip, and for corrupt or truncated gzip', async () => {
    const { bytes } = await pluginPackage('hello', '1.0.0');
    const corrupt = bytes.slice();
    corrupt.fill(0x55, 20, 60);
    for (const [input, code] of [
      [new TextEncoder().encode('not a package'), 'E_NOT_GZIP'],
      [bytes.subarray(0, bytes.byteLength - 100), 'E_BAD_ARCHIVE'],
      [corrupt, 'E_BAD_ARCHIVE'],
    ] as const) {
      const inMemory = await outcome(unpackUpload(await received(input), DEFAULT_PLG_LIMITS));
      expect(inMemory).toMatchObject({ code });
      expect(inMemory).toEqual(await outcome(readPlg(bytesToStream(input), DEFAULT_PLG_LIMITS)));
    }
  });
});
