/**
 * Searching the plugin list, for the registry's pages (and any caller with
 * summaries): a text query over names, descriptions and keywords, filters
 * by scope, keyword, the host version a plugin works with, and yanked
 * plugins (every version yanked), sorted by name, last update or downloads;
 * and the text filter of `GET /v1/plugins?q=`. Linear in the number of
 * plugins; the query is bounded by the caller. The lower-cased text of each
 * summary is kept per list (storage drivers hand out the same list until it
 * changes), so a search over 10,000 plugins lower-cases nothing but the query.
 */
import * as semver from '../src/core/semver.js';
import type { PluginSummary } from '../src/core/registry/index.js';

/** How the results are ordered. */
export type SearchSort = 'name' | 'updated' | 'downloads';

/** A search. Empty fields do not filter. */
export interface PluginSearch {
  /** Words that must all appear in the name, description or keywords (any case). */
  q?: string;
  /** `@acme` for that scope, `-` for unscoped names. */
  scope?: string;
  keyword?: string;
  /** A host version: only plugins whose `engines.host` it satisfies (or that set none). */
  host?: string;
  /** Keep plugins whose every version is yanked (default: hidden). */
  includeYanked?: boolean;
  sort?: SearchSort;
}

/** The summaries that match `search`, in its order (`downloads` needs the totals by name; ties go by name). */
export function searchPlugins(all: readonly PluginSummary[], search: PluginSearch, downloads?: ReadonlyMap<string, number>): PluginSummary[] {
  const words = (search.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const host = search.host?.trim() ? semver.valid(search.host.trim()) : null;
  const texts = words.length === 0 ? undefined : searchTextsOf(all);
  const matches = all.filter((plugin, at) => {
    if (!search.includeYanked && plugin.latest === undefined) return false;
    if (search.scope && scopeOf(plugin.name) !== search.scope) return false;
    if (search.keyword && !(plugin.keywords ?? []).includes(search.keyword)) return false;
    if (host !== null && plugin.host !== undefined && !semver.satisfies(host, plugin.host, { includePrerelease: true })) return false;
    if (texts === undefined) return true;
    const text = texts.page[at]!;
    return words.every((word) => text.includes(word));
  });
  const byName = (a: PluginSummary, b: PluginSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (search.sort === 'updated') return matches.sort((a, b) => (a.modified < b.modified ? 1 : a.modified > b.modified ? -1 : byName(a, b)));
  if (search.sort === 'downloads' && downloads) return matches.sort((a, b) => (downloads.get(b.name) ?? 0) - (downloads.get(a.name) ?? 0) || byName(a, b));
  return matches.sort(byName);
}

/**
 * The summaries whose name or description (any case) contains `query`, in
 * their order: the filter of `GET /v1/plugins?q=` (`query` lower-cased by
 * the caller).
 */
export function filterByText(all: readonly PluginSummary[], query: string): PluginSummary[] {
  const { descriptions } = searchTextsOf(all);
  const matches: PluginSummary[] = [];
  for (let at = 0; at < all.length; at++) {
    const plugin = all[at]!;
    if (plugin.name.includes(query) || descriptions[at]!.includes(query)) matches.push(plugin);
  }
  return matches;
}

/** The lower-cased texts of a list's summaries, by position. */
interface SearchTexts {
  /** The summaries they were made from (a summary is never changed; a list whose row at a position is another is brought up to date). */
  rows: PluginSummary[];
  /** The description, lower-cased (empty when none). */
  descriptions: string[];
  /** Name, description and keywords, lower-cased: what the search page's words are looked for in. */
  page: string[];
}

const textsByList = new WeakMap<readonly PluginSummary[], SearchTexts>();

/** The texts of `all`, kept for that list and made again only for rows that changed. */
function searchTextsOf(all: readonly PluginSummary[]): SearchTexts {
  let texts = textsByList.get(all);
  if (texts === undefined) {
    texts = { rows: [], descriptions: [], page: [] };
    textsByList.set(all, texts);
  }
  for (let at = 0; at < all.length; at++) {
    const plugin = all[at]!;
    if (texts.rows[at] === plugin) continue;
    texts.rows[at] = plugin;
    texts.descriptions[at] = (plugin.description ?? '').toLowerCase();
    texts.page[at] = `${plugin.name} ${plugin.description ?? ''} ${(plugin.keywords ?? []).join(' ')}`.toLowerCase();
  }
  texts.rows.length = all.length;
  texts.descriptions.length = all.length;
  texts.page.length = all.length;
  return texts;
}

/** `@acme` for `@acme/x`, `-` for an unscoped name. */
export function scopeOf(name: string): string {
  return name.startsWith('@') ? name.slice(0, name.indexOf('/')) : '-';
}

/** The scopes and keywords present in `all`, sorted, for the search form's choices (at most `max` each). */
export function facetsOf(all: readonly PluginSummary[], max = 200): { scopes: string[]; keywords: string[] } {
  const scopes = new Set<string>();
  const keywords = new Set<string>();
  for (const plugin of all) {
    if (scopes.size < max) scopes.add(scopeOf(plugin.name));
    for (const keyword of plugin.keywords ?? []) if (keywords.size < max) keywords.add(keyword);
  }
  return { scopes: [...scopes].sort(), keywords: [...keywords].sort() };
}
