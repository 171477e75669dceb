/**
 * README.md, CHANGELOG.md and LICENSE in a `.plg`: packed and read back
 * within their limits (512 KiB, 512 KiB, 64 KiB) as UTF-8; refused by
 * packPlg and by readPlg when larger — by readPlg from the tar header,
 * before their bytes arrive — or not UTF-8. Other paths keep the general
 * file limit.
 */
import { describe, expect, it } from 'vitest';
import { isSizeLimitError } from '../../../src/core/errors/index.js';
import {
  PACKAGE_TEXT_FILES,
  bytesToStream,
  collectBytes,
  gzip,
  isPackageError,
  packPlg,
  readPlg,
  streamFrom,
  writeTar,
  type PlgFile,
} from '../../../src/core/plg/index.js';
import { craftedPlg, plg, validEntries } from '../../registry-server/helpers.js';

const encoder = new TextEncoder();

/** plugin.json and the bundle of hello@1.0.0, as files to pack. */
function baseFiles(): PlgFile[] {
  return validEntries('hello', '1.0.0').map(({ path, content }) => ({ path, content: content ?? new Uint8Array() }));
}

async function refusal(bytes: Uint8Array): Promise<unknown> {
  return readPlg(bytesToStream(bytes)).then(
    () => {
      throw new Error('readPlg accepted the package');
    },
    (error: unknown) => error,
  );
}

describe('package text files', () => {
  it('has the limits the docs state', () => {
    expect(PACKAGE_TEXT_FILES.map(({ path, maxBytes }) => [path, maxBytes])).toEqual([
      ['README.md', 512 * 1024],
      ['CHANGELOG.md', 512 * 1024],
      ['LICENSE', 64 * 1024],
    ]);
  });

  it('packs and reads back each one at its limit', async () => {
    const files = PACKAGE_TEXT_FILES.map(({ path, maxBytes }) => ({ path, content: 'é'.repeat(maxBytes / 2) }));
    const read = await readPlg(bytesToStream(await plg([...baseFiles(), ...files])));
    for (const { path, maxBytes } of PACKAGE_TEXT_FILES) expect(read.files.get(path)?.byteLength).toBe(maxBytes);
  });

  it('refuses one byte more when packing and when reading', async () => {
    for (const { path, maxBytes } of PACKAGE_TEXT_FILES) {
      const content = encoder.encode('x'.repeat(maxBytes + 1));
      let packError: unknown;
      try {
        packPlg([...baseFiles(), { path, content }]);
      } catch (error) {
        packError = error;
      }
      expect(isSizeLimitError(packError), path).toBe(true);
      const readError = await refusal(await craftedPlg([...validEntries('hello', '1.0.0'), { path, content }]));
      expect(isSizeLimitError(readError), path).toBe(true);
      expect((readError as Error).message).toBe(`${path}: ${maxBytes + 1} bytes exceed the limit of ${maxBytes} bytes for ${path} in a package`);
    }
  });

  it('refuses an oversized README from its header, before its bytes arrive', async () => {
    const tar = await collectBytes(writeTar([...validEntries('hello', '1.0.0'), { path: 'README.md', content: new Uint8Array(600 * 1024) }]));
    // Cut the archive just after README.md's header: a reader that waited for the content would call it truncated.
    const headerEnd = tar.byteLength - 600 * 1024 - 1024;
    const cut = await collectBytes(gzip(streamFrom([tar.subarray(0, headerEnd)])));
    const error = await refusal(cut);
    expect(isSizeLimitError(error)).toBe(true);
  });

  it('refuses a text file that is not UTF-8 (E_BAD_TEXT_FILE), but not another file with such bytes', async () => {
    const latin1 = new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x0a]);
    const error = await refusal(await craftedPlg([...validEntries('hello', '1.0.0'), { path: 'CHANGELOG.md', content: latin1 }]));
    expect(isPackageError(error) && error.code).toBe('E_BAD_TEXT_FILE');
    expect((error as Error).message).toBe("CHANGELOG.md is not UTF-8 text: a package's CHANGELOG.md must be");
    const other = await readPlg(bytesToStream(await craftedPlg([...validEntries('hello', '1.0.0'), { path: 'NOTES.txt', content: latin1 }])));
    expect(other.files.get('NOTES.txt')).toEqual(latin1);
  });
});
