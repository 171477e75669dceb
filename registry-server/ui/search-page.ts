/**
 * The registry's front page: a search box with filters (scope, keyword,
 * the host version a plugin must work with, yanked plugins shown or not),
 * a sort, and the results, 20 a page. The form works without script (a GET
 * of `/`); with it, results follow the typing (the page's script asks for
 * `?fragment=results` and swaps the list in, see client/registry-page.ts).
 */
import { html } from 'hono/html';
import type { PluginSummary } from '../../src/core/registry/index.js';
import { facetsOf, searchPlugins, type PluginSearch, type SearchSort } from '../search.js';
import { count, day, pluginPath } from './format.js';
import { page, type Html } from './layout.js';

/** Results a page holds. */
export const RESULTS_PER_PAGE = 20;

/** The search and the page number a request asks for. */
export interface SearchRequest extends PluginSearch {
  page: number;
}

/** Reads the search from a URL's query, bounding every field. */
export function searchRequestOf(url: URL): SearchRequest {
  const get = (name: string, max: number) => (url.searchParams.get(name) ?? '').slice(0, max).trim();
  const sort = get('sort', 16);
  const pageNumber = Number.parseInt(get('page', 6), 10);
  return {
    q: get('q', 200),
    scope: get('scope', 215),
    keyword: get('keyword', 50),
    host: get('host', 64),
    includeYanked: url.searchParams.get('yanked') === 'show',
    sort: (sort === 'updated' || sort === 'downloads' ? sort : 'name') satisfies SearchSort,
    page: Number.isFinite(pageNumber) && pageNumber > 0 ? Math.min(pageNumber, 100_000) : 1,
  };
}

/** The results list with its count and page links: the part that typing replaces. `downloads`: the totals, when sorted by them. */
export function resultsFragment(all: readonly PluginSummary[], search: SearchRequest, downloads?: ReadonlyMap<string, number>): Html {
  const matches = searchPlugins(all, search, downloads);
  const pages = Math.max(1, Math.ceil(matches.length / RESULTS_PER_PAGE));
  const current = Math.min(search.page, pages);
  const shown = matches.slice((current - 1) * RESULTS_PER_PAGE, current * RESULTS_PER_PAGE);
  const link = (target: number) => `/?${queryOf(search, target)}`;
  return html`<div id="results">
<p class="status" role="status" aria-live="polite">${count(matches.length)} ${matches.length === 1 ? 'plugin' : 'plugins'}${search.q ? html` matching “${search.q}”` : ''}</p>
<ol class="results">${shown.map(
    (plugin) => html`<li>
<a class="name" href="${pluginPath(plugin.name)}">${plugin.name}</a> ${plugin.latest ? html`<span class="badge">${plugin.latest}</span>` : html`<span class="badge yanked">yanked</span>`}
${plugin.description ? html`<div>${plugin.description}</div>` : ''}
<div class="muted">${(plugin.keywords ?? []).map((keyword) => html`<span class="tag">${keyword}</span>`)} updated ${day(plugin.modified)}${plugin.host ? html` · host ${plugin.host}` : ''}${downloads ? html` · ${count(downloads.get(plugin.name) ?? 0)} downloads` : ''}</div>
</li>`,
  )}</ol>
${
  pages > 1
    ? html`<nav class="pages" aria-label="Result pages">${current > 1 ? html`<a href="${link(current - 1)}" rel="prev">← Previous</a>` : ''}<span>Page ${current} of ${pages}</span>${current < pages ? html`<a href="${link(current + 1)}" rel="next">Next →</a>` : ''}</nav>`
    : ''
}
</div>`;
}

/** The whole front page. */
export function searchPage(all: readonly PluginSummary[], search: SearchRequest, downloads?: ReadonlyMap<string, number>): Html {
  const { scopes, keywords } = facetsOf(all);
  const option = (value: string, label: string, selected: string | undefined) =>
    html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
  const body = html`<h1>Plugins</h1>
<form class="filters" action="/" method="get" id="filters" aria-label="Filters">
<input type="hidden" name="q" value="${search.q ?? ''}">
<label>Scope<select name="scope">${option('', 'Any', search.scope)}${scopes.map((scope) => option(scope, scope === '-' ? '(no scope)' : scope, search.scope))}</select></label>
<label>Keyword<select name="keyword">${option('', 'Any', search.keyword)}${keywords.map((keyword) => option(keyword, keyword, search.keyword))}</select></label>
<label>Works with host<input type="text" name="host" value="${search.host ?? ''}" placeholder="e.g. 1.4.0" inputmode="decimal" size="10"></label>
<label>Sort<select name="sort">${option('name', 'Name', search.sort)}${option('updated', 'Recently updated', search.sort)}${option('downloads', 'Most downloaded', search.sort)}</select></label>
<label class="check"><input type="checkbox" name="yanked" value="show"${search.includeYanked ? html` checked` : ''}> Show yanked</label>
<button type="submit" class="secondary">Apply</button>
</form>
${resultsFragment(all, search, downloads)}`;
  return page({ title: search.q ? `Search: ${search.q}` : 'Plugins', query: search.q ?? '', body });
}

/** The query string of `search` at page `target`, without empty fields. */
function queryOf(search: SearchRequest, target: number): string {
  const params = new URLSearchParams();
  if (search.q) params.set('q', search.q);
  if (search.scope) params.set('scope', search.scope);
  if (search.keyword) params.set('keyword', search.keyword);
  if (search.host) params.set('host', search.host);
  if (search.includeYanked) params.set('yanked', 'show');
  if (search.sort && search.sort !== 'name') params.set('sort', search.sort);
  if (target > 1) params.set('page', String(target));
  return params.toString();
}
