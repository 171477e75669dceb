/**
 * The streaming tar reader and writer of src/core/plg: round trips, pax long
 * names, interoperability with GNU tar, and the refusal of corrupt,
 * truncated and oversized archives while they stream.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isSizeLimitError } from '../../../src/core/errors/index.js';
import { BLOCK_SIZE, MAX_EXTENSION_BYTES, collectBytes, isPackageError, readTar, streamFrom, writeTar, type TarEntry } from '../../../src/core/plg/index.js';
import { encodeHeader, encodePaxRecords, paddingFor } from '../../../src/core/plg/tar-format.js';
import { tempDir } from '../../registry-server/helpers.js';

const run = promisify(execFile);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function entriesOf(tar: Uint8Array | ReadableStream<Uint8Array>, limits = {}): Promise<{ entry: TarEntry; text: string }[]> {
  const out: { entry: TarEntry; text: string }[] = [];
  const source = tar instanceof Uint8Array ? [tar] : tar;
  for await (const entry of readTar(source, limits)) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of entry.content()) chunks.push(chunk.slice());
    out.push({ entry, text: decoder.decode(await collectBytes(chunks)) });
  }
  return out;
}

/** A pax extended header (with its padding) carrying `records`, to put in front of an entry. */
function paxHeader(records: Record<string, string>, type: 'pax-header' | 'pax-global-header' = 'pax-header'): Uint8Array {
  const body = encodePaxRecords(records);
  const header = encodeHeader({ name: 'PaxHeader/x', mode: 0o644, size: body.byteLength, mtime: 0, type });
  const out = new Uint8Array(BLOCK_SIZE + body.byteLength + paddingFor(body.byteLength));
  out.set(header, 0);
  out.set(body, BLOCK_SIZE);
  return out;
}

/** Splits bytes into chunks of `size`, to feed the reader piece by piece. */
function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

describe('tar writer and reader', () => {
  it('round-trips files, directories and long unicode paths, whatever the chunking', async () => {
    const longPath = `deep/${'nested-directory/'.repeat(8)}ünïcode-file.txt`;
    const tar = await collectBytes(
      writeTar([
        { path: 'plugin.json', content: encoder.encode('{"a":1}') },
        { path: 'dist', type: 'directory' },
        { path: 'dist/index.js', content: encoder.encode('x'.repeat(1000)) },
        { path: longPath, content: encoder.encode('long') },
        { path: 'empty.txt', content: new Uint8Array(0) },
      ]),
    );
    expect(tar.byteLength % BLOCK_SIZE).toBe(0);
    for (const size of [1, 7, 512, 100_000]) {
      const entries = await entriesOf(streamFrom(chunked(tar, size)));
      expect(entries.map(({ entry, text }) => [entry.path, entry.type, entry.size, text.length])).toEqual([
        ['plugin.json', 'file', 7, 7],
        ['dist', 'directory', 0, 0],
        ['dist/index.js', 'file', 1000, 1000],
        [longPath, 'file', 4, 4],
        ['empty.txt', 'file', 0, 0],
      ]);
    }
  });

  it('skips the content of entries the consumer does not read', async () => {
    const tar = await collectBytes(
      writeTar([
        { path: 'a', content: encoder.encode('a'.repeat(3000)) },
        { path: 'b', content: encoder.encode('b') },
      ]),
    );
    const paths: string[] = [];
    for await (const entry of readTar([tar])) paths.push(entry.path);
    expect(paths).toEqual(['a', 'b']);
  });

  it('reads archives written by GNU tar (gnu and posix formats) and GNU tar reads ours', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'src', 'dist'), { recursive: true });
    const longName = `${'a'.repeat(120)}.js`;
    await writeFile(join(dir, 'src', 'plugin.json'), '{}');
    await writeFile(join(dir, 'src', 'dist', longName), 'long');
    for (const format of ['gnu', 'posix']) {
      const archive = join(dir, `${format}.tar`);
      await run('tar', [`--format=${format}`, '-cf', archive, '-C', join(dir, 'src'), '.']);
      const entries = await entriesOf(new Uint8Array(await readFile(archive)));
      const files = entries.filter(({ entry }) => entry.type === 'file').map(({ entry, text }) => [entry.path, text]);
      expect(files.sort()).toEqual([
        [`./dist/${longName}`, 'long'],
        ['./plugin.json', '{}'],
      ]);
    }
    const ours = join(dir, 'ours.tar');
    await writeFile(ours, await collectBytes(writeTar([{ path: `dir/${longName}`, content: encoder.encode('x') }])));
    const { stdout } = await run('tar', ['-tf', ours]);
    expect(stdout.trim()).toBe(`dir/${longName}`);
  });

  it('reports link targets and entry types as written', async () => {
    const tar = await collectBytes(
      writeTar([
        { path: 'link', type: 'symlink', linkTarget: '/etc/passwd' },
        { path: 'hard', type: 'hardlink', linkTarget: 'plugin.json' },
        { path: 'dev', type: 'character-device' },
      ]),
    );
    const entries = await entriesOf(tar);
    expect(entries.map(({ entry }) => [entry.path, entry.type, entry.linkTarget])).toEqual([
      ['link', 'symlink', '/etc/passwd'],
      ['hard', 'hardlink', 'plugin.json'],
      ['dev', 'character-device', undefined],
    ]);
  });

  it('refuses a header with a wrong checksum', async () => {
    const tar = await collectBytes(writeTar([{ path: 'a', content: encoder.encode('a') }]));
    tar[0] = 'b'.charCodeAt(0);
    const error = await entriesOf(tar).catch((e: unknown) => e);
    expect(isPackageError(error) && error.code).toBe('E_BAD_ARCHIVE');
    expect((error as Error).message).toMatch(/checksum/);
  });

  it('refuses an archive cut short, in a header, in content, or before its end marker', async () => {
    const tar = await collectBytes(writeTar([{ path: 'a', content: encoder.encode('a'.repeat(2000)) }]));
    for (const length of [300, 1000, 512 + 2048]) {
      const error = await entriesOf(tar.slice(0, length)).catch((e: unknown) => e);
      expect(isPackageError(error) && error.code, `cut at ${length}`).toBe('E_BAD_ARCHIVE');
    }
  });

  it('refuses an entry above the per-entry limit from its header, before reading its 10,000 bytes', async () => {
    let pulled = 0;
    const header = await collectBytes(writeTar([{ path: 'big', content: new Uint8Array(10_000) }]));
    const source = (async function* () {
      for (const chunk of chunked(header, 512)) {
        pulled += chunk.byteLength;
        yield chunk;
      }
    })();
    const error = await entriesOf(streamFrom(source), { maxEntryBytes: 5000 }).catch((e: unknown) => e);
    expect(isSizeLimitError(error)).toBe(true);
    expect(pulled).toBeLessThanOrEqual(1024);
  });

  it('refuses more entries than allowed', async () => {
    const tar = await collectBytes(writeTar(Array.from({ length: 5 }, (_, i) => ({ path: `f${i}`, content: encoder.encode('x') }))));
    const error = await entriesOf(tar, { maxEntries: 4 }).catch((e: unknown) => e);
    expect(isSizeLimitError(error)).toBe(true);
  });

  it('counts pax and GNU extension headers as entries, also a run of them before one file', async () => {
    const longPaths = Array.from({ length: 3 }, (_, i) => ({ path: `${'long-directory/'.repeat(8)}f${i}`, content: encoder.encode('x') }));
    const tar = await collectBytes(writeTar(longPaths));
    expect((await entriesOf(tar, { maxEntries: 6 })).length).toBe(3);
    const error = await entriesOf(tar, { maxEntries: 5 }).catch((e: unknown) => e);
    expect(isSizeLimitError(error) && error.limit).toBe(5);
    expect((error as Error).message).toMatch(/extension headers count/);
    const file = await collectBytes(writeTar([{ path: 'a', content: encoder.encode('a') }]));
    const run = await collectBytes(streamFrom([...Array.from({ length: 10 }, (_, i) => paxHeader({ [`key${i}`]: 'v' })), file]));
    expect(isSizeLimitError(await entriesOf(run, { maxEntries: 10 }).catch((e: unknown) => e))).toBe(true);
  });

  it(`refuses a pax or GNU extension header larger than ${MAX_EXTENSION_BYTES} bytes`, async () => {
    const file = await collectBytes(writeTar([{ path: 'a', content: encoder.encode('a') }]));
    const fits = paxHeader({ comment: 'c'.repeat(MAX_EXTENSION_BYTES - 20) });
    expect((await entriesOf(await collectBytes(streamFrom([fits, file])))).map(({ entry }) => entry.path)).toEqual(['a']);
    const tooLarge = paxHeader({ comment: 'c'.repeat(MAX_EXTENSION_BYTES) });
    const error = await entriesOf(await collectBytes(streamFrom([tooLarge, file]))).catch((e: unknown) => e);
    expect(isPackageError(error) && error.code).toBe('E_BAD_ARCHIVE');
    expect((error as Error).message).toMatch(/extension header/);
  });

  it('applies path, linkpath and size from pax records, later headers overriding earlier ones, and ignores every other key', async () => {
    const file = await collectBytes(writeTar([{ path: 'short', type: 'symlink', linkTarget: 'x' }]));
    const tar = await collectBytes(
      streamFrom([
        paxHeader({ path: 'first', ['__proto__']: 'polluted', constructor: 'x', linkpath: 'target' }),
        paxHeader({ path: 'second' }),
        paxHeader({ path: 'global-is-ignored' }, 'pax-global-header'),
        file,
      ]),
    );
    const [only, ...rest] = await entriesOf(tar);
    expect(rest).toEqual([]);
    expect([only!.entry.path, only!.entry.linkTarget, only!.entry.type]).toEqual(['second', 'target', 'symlink']);
    expect(Object.getPrototypeOf(only!.entry)).toBe(Object.prototype);
  });

  it('refuses malformed pax records: a length that does not fit, no newline, no key', async () => {
    const file = await collectBytes(writeTar([{ path: 'a', content: encoder.encode('a') }]));
    // The last one — "1\n" repeated, then one space — made modern-tar 0.8.6's pax parser quadratic (docs/design.md).
    for (const text of ['99 path=x\n', '10 path=xyz', '6 =ab\n', 'abc path=x\n', `${'1\n'.repeat(8000)}1 `]) {
      const body = encoder.encode(text);
      const header = encodeHeader({ name: 'PaxHeader/x', mode: 0o644, size: body.byteLength, mtime: 0, type: 'pax-header' });
      const padded = new Uint8Array(body.byteLength + paddingFor(body.byteLength));
      padded.set(body);
      const error = await entriesOf(await collectBytes(streamFrom([header, padded, file]))).catch((e: unknown) => e);
      expect(isPackageError(error) && error.code, text).toBe('E_BAD_ARCHIVE');
    }
  });

  it('reports an unknown type flag (a GNU sparse file) as unknown, not as a regular file', async () => {
    const header = encodeHeader({ name: 'sparse', mode: 0o644, size: 3, mtime: 0, type: 'file' });
    header[156] = 'S'.charCodeAt(0);
    header.fill(0x20, 148, 156);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.set(encoder.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    const content = new Uint8Array(BLOCK_SIZE);
    content.set(encoder.encode('abc'));
    const [only] = await entriesOf(await collectBytes(streamFrom([header, content, new Uint8Array(BLOCK_SIZE * 2)])));
    expect([only!.entry.path, only!.entry.type]).toEqual(['sparse', 'unknown']);
  });
});
