/**
 * Data the filesystem driver holds never stops it: a damaged, oversized or
 * misnamed document, a FIFO in place of a document, and an index.json too
 * large to read or not JSON are reported through the log and left out (or
 * rebuilt); the storage opens, lists the sound plugins and keeps publishing.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsStorage, type FsStorageOptions, type RegistryLogEntry } from '../../registry-server/index.js';
import { documentOf, onCleanup, tempDir } from './helpers.js';

/** Writes `document.json` of a plugin directory by hand, as damage or an older version would leave it. */
async function plantDocument(data: string, directory: string, content: string | Uint8Array): Promise<void> {
  await mkdir(join(data, 'plugins', directory), { recursive: true });
  await writeFile(join(data, 'plugins', directory, 'document.json'), content);
}

function open(data: string, options: FsStorageOptions = {}) {
  const logged: RegistryLogEntry[] = [];
  const storage = createFsStorage(data, { log: (entry) => logged.push(entry), ...options });
  onCleanup(() => storage.close());
  return { storage, logged };
}

describe('fs storage with damaged data', () => {
  it('opens and lists the sound plugins, logging each damaged document', async () => {
    const data = await tempDir();
    await plantDocument(data, 'good', JSON.stringify(documentOf('good')));
    await plantDocument(data, 'long', JSON.stringify(documentOf('long', 'd'.repeat(20_000))));
    await plantDocument(data, 'broken', '{"name":"broken","versions":{');
    await plantDocument(data, 'huge', JSON.stringify(documentOf('huge', 'h'.repeat(200_000))));
    await plantDocument(data, 'liar', JSON.stringify(documentOf('someone-else')));
    await plantDocument(data, 'lookalike-', JSON.stringify(documentOf('lookalike-')));
    await plantDocument(data, 'array', '[1,2,3]');
    await mkdir(join(data, 'plugins', 'fifo'));
    execFileSync('mkfifo', [join(data, 'plugins', 'fifo', 'document.json')]);
    await writeFile(join(data, 'index.json'), `{"version":1,"plugins":{${'"x":1,'.repeat(100_000)}"y":2}}`);

    const { storage, logged } = open(data, { maxDocumentBytes: 100_000 });
    await storage.check();
    const list = await storage.listPlugins();
    expect(list.map((row) => [row.name, row.description?.length])).toEqual([
      ['good', 'The good plugin'.length],
      ['long', 300],
    ]);
    const messages = logged.map((entry) => entry.message).sort();
    expect(messages).toHaveLength(6);
    expect(messages.join('\n')).toMatch(/plugins\/array\/document\.json: it is not a JSON object/);
    expect(messages.join('\n')).toMatch(/plugins\/broken\/document\.json: it is not a JSON object/);
    expect(messages.join('\n')).toMatch(/plugins\/fifo\/document\.json: it is a FIFO, not a regular file/);
    expect(messages.join('\n')).toMatch(/plugins\/huge\/document\.json: it has \d+ bytes or more, more than the limit of 100000/);
    expect(messages.join('\n')).toMatch(/plugins\/liar\/document\.json: it carries the name "someone-else", not "liar"/);
    expect(messages.join('\n')).toMatch(/plugins\/lookalike-\/document\.json: the plugin name is not valid/);

    await storage.updateDocument('next', () => documentOf('next'));
    expect((await storage.listPlugins()).map((row) => row.name)).toEqual(['good', 'long', 'next']);
  });

  it('rebuilds an index.json that grew too large to read, or was damaged, instead of failing', async () => {
    const data = await tempDir();
    const { storage, logged } = open(data, { maxIndexBytes: 64 * 1024 });
    await storage.updateDocument('first', () => documentOf('first'));
    expect((await storage.listPlugins()).map((row) => row.name)).toEqual(['first']);

    const bloated = { version: 1, plugins: { first: { name: 'first', modified: '2024-01-01T00:00:00.000Z', description: 'b'.repeat(100_000) } } };
    await writeFile(join(data, 'index.json'), JSON.stringify(bloated));
    expect((await storage.listPlugins()).map((row) => [row.name, row.description])).toEqual([['first', 'The first plugin']]);
    expect(logged.at(-1)?.message).toMatch(/index: rebuilding .*index\.json: it has \d+ bytes or more, more than the limit of 65536/);

    await writeFile(join(data, 'index.json'), '{"version":1,"plugins":');
    await storage.updateDocument('second', () => documentOf('second'));
    // The index is updated once the document is in place, right after the change resolves; the list waits for it.
    expect((await storage.listPlugins()).map((row) => row.name)).toEqual(['first', 'second']);
    expect(logged.at(-1)?.message).toMatch(/index: rebuilding .*index\.json: it is not an index \(version 1\) in JSON/);
  });

  it('cuts descriptions and drops malformed rows of an index written by an older version', async () => {
    const data = await tempDir();
    const { storage } = open(data);
    await storage.updateDocument('first', () => documentOf('first'));
    await storage.listPlugins();
    const old = {
      version: 1,
      plugins: {
        first: { name: 'first', modified: '2024-01-01T00:00:00.000Z', description: 'o'.repeat(5000), latest: '1.0.0' },
        junk: 42,
        nameless: { modified: 'x' },
      },
    };
    await writeFile(join(data, 'index.json'), JSON.stringify(old));
    expect(await storage.listPlugins()).toEqual([{ name: 'first', modified: '2024-01-01T00:00:00.000Z', description: 'o'.repeat(300), latest: '1.0.0' }]);
  });
});
