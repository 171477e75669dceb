/**
 * The CLI's printing helpers: sizes, tables, --set values, and the progress
 * bar that appears on a terminal only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseValues } from '../../../src/node/cli/commands/run.js';
import { formatBytes, formatTable, parseCount, parseSize } from '../../../src/node/cli/output.js';
import { createProgress, fetchWithProgress, streamWithProgress } from '../../../src/node/cli/progress.js';
import { plgFileName } from '../../../src/node/cli/project.js';
import { captureIo } from '../../e2e/cli-harness.js';

describe('sizes and tables', () => {
  it('formats and parses byte sizes', () => {
    expect([0, 1023, 1536, 50 * 1024 ** 2].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 KB', '50.0 MB']);
    expect(['1048576', '512KB', '50MB', '50 mb', '1.5GiB', '2k', '10B'].map((text) => parseSize(text, '--max-size'))).toEqual([
      1048576, 524288, 52428800, 52428800, 1610612736, 2048, 10,
    ]);
    expect(() => parseSize('-1MB', '--max-size')).toThrow('--max-size "-1MB" is not a size');
    expect(() => parseCount('1.5', '--limit')).toThrow('--limit "1.5" is not a whole number');
  });

  it('aligns table columns', () => {
    expect(
      formatTable(
        ['NAME', 'V'],
        [
          ['a', '1.0.0'],
          ['longer', '2'],
        ],
      ),
    ).toEqual(['NAME    V', 'a       1.0.0', 'longer  2']);
  });

  it('names .plg files without the scope markers', () => {
    expect(plgFileName('hello', '1.0.0')).toBe('hello-1.0.0.plg');
    expect(plgFileName('@acme/hello', '1.0.0')).toBe('acme-hello-1.0.0.plg');
  });
});

describe('--set values', () => {
  it('parses JSON when the value is JSON, else keeps the string', () => {
    expect(parseValues(['n=3', 'b=true', 'z=null', 's=Ada', 'q="3"', 'o={"a":1}', 'eq=a=b', 'empty='])).toEqual({
      n: 3,
      b: true,
      z: null,
      s: 'Ada',
      q: '3',
      o: { a: 1 },
      eq: 'a=b',
      empty: '',
    });
    expect(() => parseValues(['=x'])).toThrow('--set "=x" is not key=value');
  });
});

describe('progress', () => {
  it('draws on a terminal and erases itself when done', async () => {
    const tty = captureIo({ cwd: '/', tty: true });
    const progress = createProgress(tty.io, 'uploading');
    const bytes = new Uint8Array(200 * 1024);
    const received = new Uint8Array(await new Response(streamWithProgress(bytes, progress)).arrayBuffer());
    progress.done();
    expect(received).toEqual(bytes);
    const frames = tty.stderr().split('\r\x1b[2K');
    expect(frames[1]).toBe('uploading [########----------------]  32% 64.0 KB/200.0 KB');
    expect(frames.slice(-2)).toEqual(['uploading [########################] 100% 200.0 KB/200.0 KB', '']);
    expect(new Set(frames).size).toBe(frames.length - 1);
    expect(tty.stderr().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes nothing when stderr is not a terminal', () => {
    const piped = captureIo({ cwd: '/' });
    const progress = createProgress(piped.io, 'downloading');
    progress.update(1, 2);
    progress.done();
    expect(piped.stderr()).toBe('');
  });

  it('reports blob downloads through fetch on a terminal', async () => {
    const server = createServer((_, res) => res.end('x'.repeat(4096)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/blobs/sha256/ab`;
      const tty = captureIo({ cwd: '/', tty: true });
      const body = await (await fetchWithProgress(tty.io, () => 'downloading hello')(url)).text();
      expect(body).toHaveLength(4096);
      expect(tty.stderr()).toContain('downloading hello [########################] 100% 4.0 KB/4.0 KB');
      const piped = captureIo({ cwd: '/' });
      await (await fetchWithProgress(piped.io, () => 'downloading hello')(url)).text();
      expect(piped.stderr()).toBe('');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
