/**
 * Fuzz properties of the .plg reader (src/core/plg, readPlg): arbitrary bytes,
 * well-formed gzip of arbitrary tar-ish bytes, valid packages (written with
 * packPlg) with bytes, header fields, pax records and paths changed, and
 * packages with entries at arbitrary paths or an arbitrary plugin.json. Every
 * input, in any chunking, is unpacked or refused with a PlughubError within
 * the time limit of a case; what is unpacked keeps the package rules.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { collectBytes, normalizeEntryPath, packPlg, readPlg, type PlgFile } from '../../src/core/plg/index.js';
import { mutatedPackage, mutationArb, packageArb, packageTar, tarishArb, tarishBytes } from './plg-arbitraries.js';
import { FuzzFailure, abortableStream, acceptOrRefuse, fuzzParameters, fuzzTimeout } from './support.js';
import { gzipBytes } from './tar-builder.js';

/** Chunk sizes the bytes are fed in, cycled; none means one chunk. */
const chunkingArb = fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 4 });

function chunked(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  if (sizes.length === 0) return [bytes];
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < bytes.byteLength; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Reads one package and checks what readPlg did with it. */
async function checkRead(bytes: Uint8Array, sizes: readonly number[]): Promise<void> {
  const outcome = await acceptOrRefuse((signal) => readPlg(abortableStream(chunked(bytes, sizes), signal)));
  if (!outcome.accepted) return;
  const { files, manifest, bundle } = outcome.value;
  for (const path of files.keys()) {
    let normalized: string;
    try {
      normalized = normalizeEntryPath(path);
    } catch {
      throw new FuzzFailure(`unpacked the unsafe path ${JSON.stringify(path)}`);
    }
    if (normalized !== path) throw new FuzzFailure(`unpacked ${JSON.stringify(path)}, which normalizes to ${JSON.stringify(normalized)}`);
  }
  if (!files.has('plugin.json')) throw new FuzzFailure('unpacked a package without plugin.json');
  if (files.get(normalizeEntryPath(manifest.source.path)) !== bundle) throw new FuzzFailure('the bundle is not the file source.path names');
}

/** Valid packages written by the project's own writer, to mutate. */
const BASE_FILES: PlgFile[][] = [
  [
    { path: 'plugin.json', content: JSON.stringify({ name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } }) },
    { path: 'dist/index.js', content: 'export function execute() { return 1; }\n' },
  ],
  [
    {
      path: 'plugin.json',
      content: JSON.stringify({
        name: '@acme/deep',
        version: '2.1.0-beta.1',
        description: 'x',
        source: { mode: 'esm', path: 'lib/main.js' },
        dependencies: { hello: '^1.0.0' },
      }),
    },
    { path: 'lib/main.js', content: 'export const execute = () => 2;\n' },
    { path: `assets/${'long-directory-name/'.repeat(8)}ünïcode.txt`, content: 'long path in a pax header' },
    { path: 'README.md', content: '# deep\n' },
  ],
];

describe('fuzz: .plg reader', () => {
  const RUNS = 400;
  let bases: Uint8Array[] = [];

  beforeAll(async () => {
    bases = await Promise.all(BASE_FILES.map((files) => collectBytes(packPlg(files))));
  });

  it('refuses arbitrary bytes with a PlughubError', { timeout: fuzzTimeout(RUNS) }, async () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }),
      fc.uint8Array({ maxLength: 2048 }).map((rest) => Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...rest)),
    );
    await fc.assert(fc.asyncProperty(bytesArb, chunkingArb, checkRead), fuzzParameters(RUNS));
  });

  it('unpacks or refuses well-formed gzip of arbitrary tar-ish bytes', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(tarishArb, chunkingArb, (recipe, sizes) => checkRead(gzipBytes(tarishBytes(recipe)), sizes)),
      fuzzParameters(RUNS),
    );
  });

  it('unpacks or refuses valid packages with bytes, header fields, pax records and gzip data changed', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), chunkingArb, (base, mutations, sizes) =>
        checkRead(mutatedPackage(bases[base % bases.length]!, mutations), sizes),
      ),
      fuzzParameters(RUNS),
    );
  });

  it('unpacks or refuses packages with entries at arbitrary paths and an arbitrary plugin.json', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(packageArb, chunkingArb, (recipe, sizes) => checkRead(gzipBytes(packageTar(recipe)), sizes)),
      fuzzParameters(RUNS),
    );
  });
});
