/**
 * Searching the plugin list, for the registry's pages (and any caller with
 * summaries): a text query over names, descriptions and keywords, filters
 * by scope, keyword, the host version a plugin works with, and yanked
 * plugins (every version yanked), sorted by name, last update or downloads. Linear
 * in the number of plugins; the query is bounded by the caller.
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
  const matches = all.filter((plugin) => {
    if (!search.includeYanked && plugin.latest === undefined) return false;
    if (search.scope && scopeOf(plugin.name) !== search.scope) return false;
    if (search.keyword && !(plugin.keywords ?? []).includes(search.keyword)) return false;
    if (host !== null && plugin.host !== undefined && !semver.satisfies(host, plugin.host, { includePrerelease: true })) return false;
    if (words.length === 0) return true;
    const text = `${plugin.name} ${plugin.description ?? ''} ${(plugin.keywords ?? []).join(' ')}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
  const byName = (a: PluginSummary, b: PluginSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (search.sort === 'updated') return matches.sort((a, b) => (a.modified < b.modified ? 1 : a.modified > b.modified ? -1 : byName(a, b)));
  if (search.sort === 'downloads' && downloads) return matches.sort((a, b) => (downloads.get(b.name) ?? 0) - (downloads.get(a.name) ?? 0) || byName(a, b));
  return matches.sort(byName);
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
