/**
 * The filesystem driver's index when it opens (fs-index.ts): each entry
 * records the document file it summarizes, so opening reads again only
 * documents whose file changed — an update lost to a crash between the
 * commit and the index write, a document restored or removed by hand, an
 * index written before entries recorded their files — and leaves an
 * index.json that matches the documents as it is. Its rows carry every
 * field of a summary, as the memory driver's do.
 */
import { copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addVersion, createFsStorage, createMemoryStorage, summarize, type RegistryLogEntry } from '../../registry-server/index.js';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { documentOf, onCleanup, tempDir } from './helpers.js';

function open(data: string) {
  const logged: RegistryLogEntry[] = [];
  const storage = createFsStorage(data, { log: (entry) => logged.push(entry) });
  onCleanup(() => storage.close());
  return { storage, logged };
}

/** `document` with version `version` added, whose manifest says `description`, keywords, a host range and a dependency. */
function withVersion(document: PluginDocument, version: string, description: string): PluginDocument {
  const entry = document.versions['1.0.0']!;
  const manifest = { ...entry.manifest, version, description, keywords: ['alpha', 'beta'], engines: { host: '^2.0.0' }, dependencies: { dep: '^1' } };
  return addVersion(document, document.name, version, { ...entry, manifest } as typeof entry, Date.parse(document.modified) + 60_000);
}

describe('fs storage index at open', () => {
  it('lists a commit whose index update was lost, reading that document again', async () => {
    const data = await tempDir();
    const first = open(data).storage;
    await first.updateDocument('kept', () => documentOf('kept'));
    await first.updateDocument('moved', () => documentOf('moved'));
    await first.listPlugins();
    await copyFile(join(data, 'index.json'), join(data, 'index-before.json'));
    await first.updateDocument('moved', (current) => withVersion(current!, '2.0.0', 'Moved on'));
    await first.close();
    // As a crash between the commit of moved@2.0.0 and the index write leaves it.
    await copyFile(join(data, 'index-before.json'), join(data, 'index.json'));

    const list = await open(data).storage.listPlugins();
    expect(list.map((row) => [row.name, row.latest, row.description])).toEqual([
      ['kept', '1.0.0', 'The kept plugin'],
      ['moved', '2.0.0', 'Moved on'],
    ]);
    const index = JSON.parse(await readFile(join(data, 'index.json'), 'utf8'));
    expect(Object.keys(index.files).sort()).toEqual(['kept', 'moved']);
  });

  it('leaves an index.json that matches the documents untouched, and drops the entry of a removed document', async () => {
    const data = await tempDir();
    const first = open(data).storage;
    for (const name of ['a', 'b', '@acme/c']) await first.updateDocument(name, () => documentOf(name));
    await first.close();
    const before = await stat(join(data, 'index.json'));

    const second = open(data).storage;
    expect((await second.listPlugins()).map((row) => row.name)).toEqual(['@acme/c', 'a', 'b']);
    await second.close();
    const after = await stat(join(data, 'index.json'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

    await rm(join(data, 'plugins', '@acme%2Fc'), { recursive: true });
    expect((await open(data).storage.listPlugins()).map((row) => row.name)).toEqual(['a', 'b']);
    const index = JSON.parse(await readFile(join(data, 'index.json'), 'utf8'));
    expect(Object.keys(index.files).sort()).toEqual(['a', 'b']);
  });

  it('reads again a document replaced by hand, and every document of an index that records no files', async () => {
    const data = await tempDir();
    const first = open(data).storage;
    await first.updateDocument('hand', () => documentOf('hand'));
    await first.updateDocument('other', () => documentOf('other'));
    await first.close();
    await writeFile(join(data, 'plugins', 'hand', 'document.json'), JSON.stringify(documentOf('hand', 'Edited by hand')));
    expect((await open(data).storage.listPlugins()).map((row) => row.description)).toEqual(['Edited by hand', 'The other plugin']);

    const index = JSON.parse(await readFile(join(data, 'index.json'), 'utf8'));
    index.plugins.other.description = 'stale';
    await writeFile(join(data, 'index.json'), JSON.stringify({ version: 1, plugins: index.plugins }));
    expect((await open(data).storage.listPlugins()).map((row) => row.description)).toEqual(['Edited by hand', 'The other plugin']);
  });

  it('logs and leaves out a document damaged in place, as a rebuild does', async () => {
    const data = await tempDir();
    const first = open(data).storage;
    await first.updateDocument('good', () => documentOf('good'));
    await first.updateDocument('bad', () => documentOf('bad'));
    await first.close();
    await writeFile(join(data, 'plugins', 'bad', 'document.json'), '{"name":"bad","versions":');
    const { storage, logged } = open(data);
    expect((await storage.listPlugins()).map((row) => row.name)).toEqual(['good']);
    expect(logged.map((entry) => entry.message).join('\n')).toMatch(/index: left out .*plugins\/bad\/document\.json: it is not a JSON object/);
  });

  it('keeps its list in order through changes, as another process reading the index lists it', async () => {
    const data = await tempDir();
    const writer = open(data).storage;
    const reader = open(data).storage;
    const names = ['m', 'c', 'x', 'a', '@z/last', 'k', 'b', 'c', 'a', 'y'];
    for (const [at, name] of names.entries()) {
      await writer.updateDocument(name, (current) => (current ? withVersion(current, `2.0.${at}`, `Changed at ${at}`) : documentOf(name)));
      const mine = await writer.listPlugins();
      expect(mine.map((row) => row.name)).toEqual([...new Set(names.slice(0, at + 1))].sort());
      expect(await reader.listPlugins()).toEqual(mine);
    }
    await writer.close();
    expect(await open(data).storage.listPlugins()).toEqual(await reader.listPlugins());
  });

  it('lists the same rows as the memory driver, keywords, host range and dependencies included', async () => {
    const data = await tempDir();
    const fs = open(data).storage;
    const memory = createMemoryStorage();
    for (const storage of [fs, memory]) {
      await storage.updateDocument('rich', () => withVersion(documentOf('rich'), '1.1.0', 'A rich plugin'));
      await storage.updateDocument('plain', () => documentOf('plain'));
    }
    const expected = [summarize(documentOf('plain')), summarize(withVersion(documentOf('rich'), '1.1.0', 'A rich plugin'))];
    expect(expected[1]).toMatchObject({ keywords: ['alpha', 'beta'], host: '^2.0.0', dependencies: ['dep'] });
    expect(await memory.listPlugins()).toEqual(expected);
    expect(await fs.listPlugins()).toEqual(expected);
    await fs.close();
    expect(await open(data).storage.listPlugins()).toEqual(expected);
  });
});
