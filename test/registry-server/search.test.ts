/**
 * Searching the plugin list (registry-server/search.ts): the text filter of
 * `GET /v1/plugins?q=` and the search page's words answer exactly what a
 * scan that lower-cases every row at every search answers, for many
 * queries, on lists whose texts are kept between searches; a list that
 * changes (a publish, a yank, a row replaced in place) is searched as it is
 * now.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, setYanked } from '../../registry-server/index.js';
import { filterByText, searchPlugins, type PluginSearch } from '../../registry-server/search.js';
import type { PluginSummary } from '../../src/core/registry/index.js';
import { documentOf } from './helpers.js';

/** The text filter as it was: each description lower-cased at each search. */
function scanByText(all: readonly PluginSummary[], query: string): PluginSummary[] {
  return all.filter((plugin) => plugin.name.includes(query) || (plugin.description?.toLowerCase().includes(query) ?? false));
}

/** The page's word match as it was: each row's text built and lower-cased at each search. */
function scanByWords(all: readonly PluginSummary[], q: string): PluginSummary[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  return all
    .filter((plugin) => {
      if (plugin.latest === undefined) return false;
      const text = `${plugin.name} ${plugin.description ?? ''} ${(plugin.keywords ?? []).join(' ')}`.toLowerCase();
      return words.every((word) => text.includes(word));
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const WORDS = ['Markdown', 'RENDER', 'image', 'İstanbul', 'straße', 'Cache', 'queue', 'ΣΊΣΥΦΟΣ'];

/** A list of `count` summaries with mixed-case and non-ASCII descriptions and keywords, some without a description or a latest version. */
function listOf(count: number): PluginSummary[] {
  const list: PluginSummary[] = [];
  for (let i = 0; i < count; i++) {
    const word = WORDS[i % WORDS.length]!;
    list.push({
      name: `${word.toLowerCase().replace(/[^a-z]/g, 'x')}-${i}`,
      ...(i % 5 === 0 ? {} : { description: `A ${word} plugin, number ${i}, for ${WORDS[(i + 3) % WORDS.length]}` }),
      ...(i % 7 === 0 ? {} : { latest: '1.0.0' }),
      ...(i % 3 === 0 ? { keywords: [WORDS[(i + 1) % WORDS.length]!.toLowerCase(), 'plugin'] } : {}),
      modified: new Date(1_700_000_000_000 + i).toISOString(),
    });
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : 1));
}

const QUERIES = ['markdown', 'render', 'mark', '-1', '12', 'i̇stanbul', 'straße', 'σίσυφος', 'plugin, number 4', 'for cache', 'nothing-like-it', 'x', ' '];

describe('plugin search', () => {
  it('filters by text as a scan of every lower-cased description does, search after search', () => {
    const all = listOf(400);
    for (let round = 0; round < 2; round++) {
      for (const query of QUERIES) expect(filterByText(all, query)).toEqual(scanByText(all, query));
    }
  });

  it('matches the page words as a scan of every row text does, with filters and sorts', () => {
    const all = listOf(400);
    for (const q of [...QUERIES, 'markdown plugin', 'RENDER number', 'plugin cache']) {
      expect(searchPlugins(all, { q })).toEqual(scanByWords(all, q));
      const search: PluginSearch = { q, includeYanked: true, sort: 'updated' };
      const expected = all.filter((plugin) => scanByWords([{ ...plugin, latest: '1.0.0' }], q).length === 1).sort((a, b) => (a.modified < b.modified ? 1 : -1));
      expect(searchPlugins(all, search)).toEqual(expected);
    }
  });

  it('searches a list as it is now after a row is replaced in place or the list grows or shrinks', () => {
    const all = listOf(50);
    expect(filterByText(all, 'brand new')).toEqual([]);
    all[10] = { ...all[10]!, description: 'A BRAND NEW description' };
    expect(filterByText(all, 'brand new').map((plugin) => plugin.name)).toEqual([all[10]!.name]);
    all.push({ name: 'zz-last', description: 'Brand new too', latest: '1.0.0', modified: '2024-01-01T00:00:00.000Z' });
    expect(searchPlugins(all, { q: 'brand NEW' }).map((plugin) => plugin.name)).toEqual([all[10]!.name, 'zz-last']);
    all.length = 20;
    expect(filterByText(all, 'brand new').map((plugin) => plugin.name)).toEqual([all[10]!.name]);
  });

  it('finds a plugin once published and hides it once its only version is yanked', async () => {
    const storage = createMemoryStorage();
    await storage.updateDocument('alpha', () => documentOf('alpha', 'The Alpha plugin'));
    expect(filterByText(await storage.listPlugins(), 'beta')).toEqual([]);
    await storage.updateDocument('beta', () => documentOf('beta', 'The BETA plugin'));
    expect(filterByText(await storage.listPlugins(), 'beta').map((plugin) => plugin.name)).toEqual(['beta']);
    expect(searchPlugins(await storage.listPlugins(), { q: 'beta' }).map((plugin) => plugin.name)).toEqual(['beta']);
    await storage.updateDocument('beta', (current) => setYanked(current!, '1.0.0', true, Date.parse('2024-02-01T00:00:00Z')));
    expect(searchPlugins(await storage.listPlugins(), { q: 'beta' })).toEqual([]);
    expect(searchPlugins(await storage.listPlugins(), { q: 'beta', includeYanked: true }).map((plugin) => plugin.name)).toEqual(['beta']);
  });
});
