/**
 * `.plg` packages (src/core/plg): what readPlg accepts, everything it
 * refuses — with the error code the registry passes on — and the limits it
 * enforces while the bytes stream, gzip bombs included.
 */
import { constants, createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isManifestError, isSizeLimitError } from '../../../src/core/errors/index.js';
import {
  DEFAULT_PLG_LIMITS,
  MAX_PATH_DEPTH,
  MAX_PATH_LENGTH,
  bytesToStream,
  collectBytes,
  isPackageError,
  packPlg,
  readPlg,
  streamFrom,
  writeTar,
  type TarWriteEntry,
} from '../../../src/core/plg/index.js';
import { craftedPlg, manifest, plg, validEntries } from '../../registry-server/helpers.js';

const encoder = new TextEncoder();
const MiB = 1024 * 1024;

async function refusal(bytes: Uint8Array, limits = DEFAULT_PLG_LIMITS): Promise<unknown> {
  return readPlg(bytesToStream(bytes), limits).then(
    () => {
      throw new Error('readPlg accepted the package');
    },
    (error: unknown) => error,
  );
}

async function packageCode(entries: TarWriteEntry[]): Promise<string | undefined> {
  const error = await refusal(await craftedPlg(entries));
  return isPackageError(error) ? error.code : `not a PackageError: ${String(error)}`;
}

/** gzip with node:zlib at the highest level, streaming, so that a bomb costs little memory to build. */
async function gzipStream(tar: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const reader = tar.getReader();
  while (true) {
    const { done: finished, value } = await reader.read();
    if (finished) break;
    if (!gzip.write(value)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

describe('readPlg accepts', () => {
  it('a package written by packPlg, with the manifest parsed and the bundle found', async () => {
    const bytes = await plg([
      { path: 'dist/index.js', content: 'export function execute() {}' },
      { path: 'plugin.json', content: JSON.stringify(manifest('hello', '1.0.0', { future: { kept: true } })) },
      { path: 'assets/logo.svg', content: '<svg/>' },
    ]);
    const pkg = await readPlg(bytesToStream(bytes));
    expect(pkg.manifest.name).toBe('hello');
    expect(pkg.manifestJson.future).toEqual({ kept: true });
    expect([...pkg.files.keys()]).toEqual(['plugin.json', 'assets/logo.svg', 'dist/index.js']);
    expect(new TextDecoder().decode(pkg.bundle)).toBe('export function execute() {}');
  });

  it('./plugin.json and ./-prefixed paths, and a ./ root directory entry, as tar writes them', async () => {
    const entries = validEntries('hello', '1.0.0').map((entry) => ({ ...entry, path: `./${entry.path}` }));
    const bytes = await craftedPlg([{ path: './', type: 'directory' }, { path: './dist', type: 'directory' }, ...entries]);
    const pkg = await readPlg(bytesToStream(bytes));
    expect([...pkg.files.keys()]).toEqual(['plugin.json', 'dist/index.js']);
  });

  it('the same files as the same bytes every time (packPlg is deterministic)', async () => {
    const files = [
      { path: 'plugin.json', content: JSON.stringify(manifest('hello', '1.0.0')) },
      { path: 'dist/index.js', content: 'x' },
    ];
    expect(await plg(files)).toEqual(await plg([...files].reverse()));
  });
});

describe('readPlg refuses', () => {
  it('links, devices and fifos', async () => {
    for (const entry of [
      { path: 'evil', type: 'symlink', linkTarget: '/etc/passwd' },
      { path: 'evil', type: 'hardlink', linkTarget: 'plugin.json' },
      { path: 'evil', type: 'character-device' },
      { path: 'evil', type: 'block-device' },
      { path: 'evil', type: 'fifo' },
    ] as TarWriteEntry[]) {
      expect(await packageCode([...validEntries('hello', '1.0.0'), entry]), entry.type).toBe('E_UNSAFE_ENTRY');
    }
  });

  it('absolute paths, .. segments, backslashes and empty segments', async () => {
    for (const path of ['/etc/passwd', '../x', 'dist/../../x', 'a/..', 'C:/x', './C:/', '././C:/a', './c:..', 'dist/a:b', 'dist\\index.js', 'a//b', 'a/./b']) {
      const entries = [...validEntries('hello', '1.0.0'), { path, content: encoder.encode('x') }];
      expect(await packageCode(entries), path).toBe('E_UNSAFE_ENTRY');
    }
  });

  it('duplicate paths, also differing only in case or as ./path', async () => {
    for (const path of ['dist/index.js', 'DIST/index.js', 'dist/Index.js', './plugin.json', 'Plugin.JSON']) {
      const entries = [...validEntries('hello', '1.0.0'), { path, content: encoder.encode('x') }];
      expect(await packageCode(entries), path).toBe('E_DUPLICATE_ENTRY');
    }
  });

  it('a file used as a directory, and a directory that is also a file', async () => {
    const asDirectory = [...validEntries('hello', '1.0.0'), { path: 'plugin.json/x', content: encoder.encode('x') }];
    expect(await packageCode(asDirectory)).toBe('E_UNSAFE_ENTRY');
    const asFile = [...validEntries('hello', '1.0.0'), { path: 'dist', content: encoder.encode('x') }];
    expect(await packageCode(asFile)).toBe('E_UNSAFE_ENTRY');
  });

  it(`paths longer than ${MAX_PATH_LENGTH} characters or deeper than ${MAX_PATH_DEPTH} segments, and accepts both at the limit`, async () => {
    const longest = `${'d/'.repeat(10)}${'x'.repeat(MAX_PATH_LENGTH - 20)}`;
    const deepest = `${'d/'.repeat(MAX_PATH_DEPTH - 1)}f`;
    const accepted = await readPlg(
      bytesToStream(await craftedPlg([...validEntries('hello', '1.0.0'), ...[longest, deepest].map((path) => ({ path, content: encoder.encode('x') }))])),
    );
    expect([...accepted.files.keys()]).toContain(longest);
    expect([...accepted.files.keys()]).toContain(deepest);
    for (const path of [`${longest}y`, `d/${deepest}`, `${'a/'.repeat(5_000)}f`]) {
      const error = await refusal(await craftedPlg([...validEntries('hello', '1.0.0'), { path, content: encoder.encode('x') }]));
      expect(isPackageError(error) && error.code, path.slice(0, 40)).toBe('E_UNSAFE_ENTRY');
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });

  it('a directory listed twice, and accepts one listed before or after the files inside it', async () => {
    const listed = [{ path: 'dist', type: 'directory' as const }, ...validEntries('hello', '1.0.0'), { path: 'dist/', type: 'directory' as const }];
    expect(await packageCode(listed)).toBe('E_DUPLICATE_ENTRY');
    for (const order of [listed.slice(0, 3), listed.slice(1)]) {
      expect([...(await readPlg(bytesToStream(await craftedPlg(order)))).files.keys()]).toEqual(['plugin.json', 'dist/index.js']);
    }
  });

  it('a package without plugin.json at its root', async () => {
    const entries = validEntries('hello', '1.0.0').map((entry) => ({ ...entry, path: `sub/${entry.path}` }));
    expect(await packageCode(entries)).toBe('E_MISSING_MANIFEST');
  });

  it('a manifest that names a bundle the package does not hold', async () => {
    const [manifestEntry] = validEntries('hello', '1.0.0');
    expect(await packageCode([manifestEntry!])).toBe('E_MISSING_BUNDLE');
  });

  it('plugin.json that is not JSON, or not a valid manifest, listing every problem', async () => {
    const notJson = await refusal(await craftedPlg([{ path: 'plugin.json', content: encoder.encode('{ nope') }]));
    expect(isManifestError(notJson)).toBe(true);
    const invalid = await refusal(
      await craftedPlg([{ path: 'plugin.json', content: encoder.encode(JSON.stringify({ name: 'Bad Name', version: 'one', source: { mode: 'cjs' } })) }]),
    );
    expect(isManifestError(invalid) && invalid.issues.map((issue) => issue.path).sort()).toEqual(['name', 'source.mode', 'source.path', 'version']);
  });

  it('bytes that are not gzip, and gzip data that is corrupt or cut short', async () => {
    const notGzip = await refusal(await collectBytes(writeTar(validEntries('hello', '1.0.0'))));
    expect(isPackageError(notGzip) && notGzip.code).toBe('E_NOT_GZIP');
    expect(isPackageError(await refusal(new Uint8Array(0))) && 'refused').toBe('refused');
    const good = await craftedPlg(validEntries('hello', '1.0.0'));
    const corrupt = good.slice();
    corrupt.fill(0xff, 20, 60);
    const corruptError = await refusal(corrupt);
    expect(isPackageError(corruptError) && corruptError.code).toBe('E_BAD_ARCHIVE');
    const cut = await refusal(good.slice(0, good.byteLength - 10));
    expect(isPackageError(cut) && cut.code).toBe('E_BAD_ARCHIVE');
  });
});

describe('readPlg limits, checked while streaming', () => {
  const limits = { maxPackageBytes: 64 * 1024, maxFileBytes: 32 * 1024, maxUnpackedBytes: 48 * 1024, maxEntries: 10, maxManifestBytes: 4 * 1024 };

  it('refuses a compressed package above the limit without reading the rest', async () => {
    const noise = crypto.getRandomValues(new Uint8Array(64 * 1024));
    const bytes = await craftedPlg([...validEntries('hello', '1.0.0'), ...[0, 1, 2, 3].map((i) => ({ path: `noise${i}`, content: noise.map((b) => b ^ i) }))]);
    expect(bytes.byteLength).toBeGreaterThan(4 * 64 * 1024);
    let pulled = 0;
    const source = streamFrom(
      (function* () {
        for (let offset = 0; offset < bytes.byteLength; offset += 8 * 1024) {
          pulled += 8 * 1024;
          yield bytes.subarray(offset, offset + 8 * 1024);
        }
      })(),
    );
    const roomy = { ...limits, maxFileBytes: MiB, maxUnpackedBytes: MiB };
    const error = await readPlg(source, roomy).catch((e: unknown) => e);
    expect(isSizeLimitError(error) && error.limit).toBe(limits.maxPackageBytes);
    expect(pulled).toBeLessThanOrEqual(limits.maxPackageBytes + 4 * 8 * 1024);
  });

  it(`refuses a plugin.json above ${DEFAULT_PLG_LIMITS.maxManifestBytes} bytes from its header, though files may be larger`, async () => {
    const limit = DEFAULT_PLG_LIMITS.maxManifestBytes;
    const json = JSON.stringify(manifest('hello', '1.0.0'));
    const [, bundle] = validEntries('hello', '1.0.0');
    const withManifest = (bytes: number) =>
      craftedPlg([{ path: './plugin.json', content: encoder.encode(json.padEnd(bytes, ' ')) }, bundle!, { path: 'big', content: new Uint8Array(256 * 1024) }]);
    const error = await refusal(await withManifest(limit + 1));
    expect(isSizeLimitError(error) && error.limit).toBe(limit);
    expect((error as Error).message).toMatch(/plugin\.json/);
    const fits = await readPlg(bytesToStream(await withManifest(limit)));
    expect(fits.files.get('big')?.byteLength).toBe(256 * 1024);
  });

  it('refuses a file above the per-file limit', async () => {
    const error = await refusal(await craftedPlg([...validEntries('hello', '1.0.0'), { path: 'big', content: new Uint8Array(33 * 1024) }]), limits);
    expect(isSizeLimitError(error) && error.limit).toBe(limits.maxFileBytes);
  });

  it('refuses files that add up above the unpacked limit, and too many entries', async () => {
    const files = [0, 1].map((i) => ({ path: `part${i}`, content: new Uint8Array(30 * 1024) }));
    const error = await refusal(await craftedPlg([...validEntries('hello', '1.0.0'), ...files]), limits);
    expect(isSizeLimitError(error) && error.limit).toBe(limits.maxUnpackedBytes);
    const many = Array.from({ length: 11 }, (_, i) => ({ path: `f${i}`, content: encoder.encode('x') }));
    expect(isSizeLimitError(await refusal(await craftedPlg(many), limits))).toBe(true);
  });

  it('stops a gzip bomb (250 KB inflating to 256 MiB) at the default unpacked limit', async () => {
    const zeros = new Uint8Array(9 * MiB);
    const entries = [...validEntries('hello', '1.0.0'), ...Array.from({ length: 28 }, (_, i) => ({ path: `zeros${i}`, content: zeros }))];
    const bomb = await gzipStream(writeTar(entries));
    expect(bomb.byteLength).toBeLessThan(400 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const error = await refusal(bomb);
    expect(isSizeLimitError(error) && error.limit).toBe(DEFAULT_PLG_LIMITS.maxUnpackedBytes);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * MiB);
  });
});

describe('packPlg', () => {
  it('refuses unsafe and duplicate paths', () => {
    expect(() => packPlg([{ path: '../x', content: 'x' }])).toThrow(/unsafe path/);
    expect(() =>
      packPlg([
        { path: 'a', content: 'x' },
        { path: 'A', content: 'y' },
      ]),
    ).toThrow(/twice/);
  });
});
