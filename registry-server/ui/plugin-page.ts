/**
 * A plugin's page: its README (rendered and sanitized: markdown.ts), the
 * versions with their dates, dist-tags, yanked marks and integrities, the
 * manifest's fields (maintainers, home, license, `engines.host`,
 * `http_services` routes), dependencies and dependents as links, the
 * signature state (the registry's keys and the document's expiry; author
 * signatures per version), snippets to copy, and the owner's actions
 * (yank, restore, move a dist-tag: the page's script calls the API with a
 * token held only in the page's memory).
 */
import { html, raw } from 'hono/html';
import type { PluginDocument, PluginSummary } from '../../src/core/registry/index.js';
import * as semver from '../../src/core/semver.js';
import type { StoredVersionEntry } from '../documents.js';
import type { PluginStats } from '../download-stats.js';
import { count, day, pluginPath, shortIntegrity } from './format.js';
import { page, type Html } from './layout.js';
import type { RenderedMarkdown } from './markdown.js';

/** The registry's signing, as the page reports it. */
export interface SignatureState {
  keyids: readonly string[];
  keysVersion: number;
  /** When the document's current signature expires (ms since the epoch). */
  expiresAt: number;
  /** The signed document's version counter. */
  version: number;
}

/** Everything a plugin page shows. */
export interface PluginPageData {
  document: PluginDocument;
  /** The version shown (its README and manifest). */
  version: string;
  readme: RenderedMarkdown | undefined;
  /** The version's CHANGELOG.md, rendered like the README, when its package had one. */
  changelog?: RenderedMarkdown | undefined;
  /** Plugins whose shown version depends on this one. */
  dependents: readonly PluginSummary[];
  signature: SignatureState | undefined;
  /** The registry's public URL, for the snippets. */
  registryUrl: string;
  /** The plugin's download counts, as the stats route has them. */
  downloads: PluginStats['downloads'];
}

interface ShownManifest {
  description?: string;
  maintainers?: string[];
  home?: string;
  license?: string;
  keywords?: string[];
  engines?: { host?: string };
  dependencies?: Record<string, string>;
  http_services?: { driver?: string; routes?: Array<{ route: string; method: string; label: string }> };
}

/** The versions of a document, newest first (valid semver only). */
export function versionsNewestFirst(document: PluginDocument): string[] {
  return Object.keys(document.versions)
    .filter((version) => semver.valid(version) !== null)
    .sort(semver.rcompare);
}

/** The whole page. */
export function pluginPage(data: PluginPageData): Html {
  const { document, version } = data;
  const entry = document.versions[version] as StoredVersionEntry;
  const manifest = entry.manifest as ShownManifest;
  const body = html`<div class="layout">
<div>
<h1>${document.name} <span class="badge">${version}</span>${entry.yanked ? html` <span class="badge yanked">yanked</span>` : ''}</h1>
${typeof manifest.description === 'string' ? html`<p>${manifest.description}</p>` : ''}
${entry.yanked ? html`<p class="notice">This version is yanked: hosts do not choose it for a range, but an exact request still loads it.</p>` : ''}
<h2 id="install">Use it</h2>
${snippets(data)}
<h2 id="readme">README</h2>
${readmeOf(data.readme)}
<h2 id="versions">Versions</h2>
${versionsTable(document, version, data.downloads)}
${changelogOf(data.changelog)}
${ownerPanel(document)}
</div>
<aside aria-label="About this plugin">${facts(data, manifest, entry)}</aside>
</div>`;
  return page({
    title: `${document.name}@${version}`,
    body,
    description: typeof manifest.description === 'string' ? manifest.description : `${document.name} on this registry`,
  });
}

function readmeOf(readme: RenderedMarkdown | undefined): Html {
  if (readme === undefined) return html`<p class="muted">This version has no README.</p>`;
  // readme.html comes from markdown.ts: rendered, then sanitized with an allowlist.
  return html`<div class="readme">${raw(readme.html)}</div>${readme.truncated ? html`<p class="notice">The README is long: the page shows its beginning.</p>` : ''}`;
}

function snippets(data: PluginPageData): Html {
  const { name } = data.document;
  const spec = `${name}@${data.version}`;
  const run = `plughub run ${spec} --registry ${data.registryUrl}`;
  const node = `import { createPluginHost } from 'plughub/node';\n\nconst host = createPluginHost({ registry: '${data.registryUrl}' });\nawait host.load('${name}@^${data.version}');\nconsole.log(await host.execute('${name}', { values: {} }));`;
  const pageSnippet = `<script type="module">\n  // plughub/browser, bundled (esbuild) or mapped with an import map\n  import { createPluginHost } from 'plughub/browser';\n\n  const host = createPluginHost({ registry: '${data.registryUrl}' });\n  await host.load('${name}@^${data.version}');\n  console.log(await host.execute('${name}', { values: {} }));\n</script>`;
  return html`${snippet('snippet-run', 'Run it from the command line', run)}${snippet('snippet-node', 'Load it in Node', node)}${snippet('snippet-page', 'Load it in a page', pageSnippet)}`;
}

function snippet(id: string, title: string, text: string): Html {
  return html`<div class="snippet"><div class="head"><span id="${id}-title">${title}</span><button type="button" class="secondary" data-copy="${id}" aria-describedby="${id}-title">Copy</button></div><pre id="${id}" tabindex="0" aria-labelledby="${id}-title"><code>${text}</code></pre></div>`;
}

function changelogOf(changelog: RenderedMarkdown | undefined): Html | string {
  if (changelog === undefined) return '';
  // changelog.html comes from markdown.ts: rendered, then sanitized with an allowlist.
  return html`<h2 id="changelog">Changelog</h2><details class="readme"><summary>The changes this version's package lists</summary>${raw(changelog.html)}</details>${changelog.truncated ? html`<p class="notice">The changelog is long: the page shows its beginning.</p>` : ''}`;
}

/** The versions table (also served alone, `?fragment=versions`, after an owner's action). */
export function versionsTable(document: PluginDocument, shown: string, downloads: PluginStats['downloads']): Html {
  const tagsOf = new Map<string, string[]>();
  for (const [tag, version] of Object.entries(document.distTags ?? {})) tagsOf.set(version, [...(tagsOf.get(version) ?? []), tag]);
  const rows = versionsNewestFirst(document).map((version) => {
    const entry = document.versions[version] as StoredVersionEntry & { authorSignatures?: Array<{ keyid?: string }> };
    const signed = Array.isArray(entry.authorSignatures) && entry.authorSignatures.length > 0;
    return html`<tr data-version="${version}">
<td><a href="${pluginPath(document.name)}?v=${encodeURIComponent(version)}"${version === shown ? html` aria-current="page"` : ''}>${version}</a></td>
<td>${day(entry.publishedAt)}</td>
<td>${(tagsOf.get(version) ?? []).map((tag) => html`<span class="tag">${tag}</span>`)}${entry.yanked ? html`<span class="tag yanked">yanked</span>` : ''}</td>
<td class="integrity" title="${entry.dist.integrity}">${shortIntegrity(entry.dist.integrity)}</td>
<td class="number">${count(downloads.versions[version] ?? 0)}</td>
<td>${signed ? html`signed (${entry.authorSignatures?.map((signature) => signature.keyid ?? '?').join(', ')})` : html`<span class="muted">none</span>`}</td>
</tr>`;
  });
  return html`<div class="table-wrap" id="versions-table" tabindex="0" role="region" aria-label="Versions"><table>
<caption class="muted">${rows.length} ${rows.length === 1 ? 'version' : 'versions'}</caption>
<thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Tags</th><th scope="col">Integrity</th><th scope="col">Downloads</th><th scope="col">Author signature</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

function facts(data: PluginPageData, manifest: ShownManifest, entry: StoredVersionEntry): Html {
  const routes = manifest.http_services?.routes ?? [];
  const dependencies = Object.entries(manifest.dependencies ?? {});
  const signature = data.signature;
  return html`<dl>
${manifest.license ? html`<dt>License</dt><dd>${manifest.license}</dd>` : ''}
${manifest.home ? html`<dt>Home</dt><dd><a href="${manifest.home}" rel="nofollow noopener noreferrer">${manifest.home}</a></dd>` : ''}
${manifest.maintainers?.length ? html`<dt>Maintainers</dt><dd>${manifest.maintainers.map((maintainer) => html`<div>${maintainer}</div>`)}</dd>` : ''}
${manifest.keywords?.length ? html`<dt>Keywords</dt><dd>${manifest.keywords.map((keyword) => html`<a class="tag" href="/?keyword=${encodeURIComponent(keyword)}">${keyword}</a>`)}</dd>` : ''}
<dt>Host versions</dt><dd>${manifest.engines?.host ?? html`<span class="muted">any</span>`}</dd>
<dt>Downloads</dt><dd>${count(data.downloads.total)} in all, ${count(data.downloads.last30Days)} in the last 30 days</dd>
<dt>Published</dt><dd>${day(entry.publishedAt)}</dd>
<dt>Integrity</dt><dd class="integrity"><code>${entry.dist.integrity}</code></dd>
<dt>Size</dt><dd>${entry.dist.size.toLocaleString('en-US')} bytes</dd>
${
  routes.length > 0
    ? html`<dt>HTTP routes${manifest.http_services?.driver ? ` (${manifest.http_services.driver})` : ''}</dt><dd><ul>${routes.map(
        (route) => html`<li><code>${route.method} ${route.route}</code> <span class="muted">${route.label}</span></li>`,
      )}</ul></dd>`
    : ''
}
<dt>Dependencies</dt><dd>${
    dependencies.length > 0
      ? html`<ul>${dependencies.map(([name, range]) => html`<li><a href="${pluginPath(name)}">${name}</a> <span class="muted">${range}</span></li>`)}</ul>`
      : html`<span class="muted">none</span>`
  }</dd>
<dt>Dependents</dt><dd>${
    data.dependents.length > 0
      ? html`<ul>${data.dependents.map((dependent) => html`<li><a href="${pluginPath(dependent.name)}">${dependent.name}</a></li>`)}</ul>`
      : html`<span class="muted">none</span>`
  }</dd>
<dt>Registry signature</dt><dd>${
    signature
      ? html`signed by ${signature.keyids.join(', ')} (keys version ${signature.keysVersion}); this document's signature (version ${signature.version}) expires ${new Date(signature.expiresAt).toISOString().replace('T', ' ').slice(0, 16)} UTC`
      : html`<span class="muted">this registry does not sign its documents</span>`
  }</dd>
</dl>`;
}

function ownerPanel(document: PluginDocument): Html {
  const versions = versionsNewestFirst(document);
  const tags = Object.keys(document.distTags ?? {});
  const options = versions.map((version) => html`<option value="${version}">${version}</option>`);
  return html`<section class="owner" id="owner" aria-labelledby="owner-title" data-plugin="${document.name}">
<h2 id="owner-title">Owner actions</h2>
<p class="muted">Needs a publish token for ${document.name}. The token stays in this page's memory: it is never stored or sent anywhere but this registry's API.</p>
<form id="owner-form" autocomplete="off">
<label>Token<input type="password" name="token" id="owner-token" required autocomplete="off" spellcheck="false"></label>
<label>Version<select name="version" id="owner-version">${options}</select></label>
<button type="button" class="danger" data-action="yank">Yank</button>
<button type="button" class="secondary" data-action="unyank">Restore</button>
</form>
<form id="tag-form" autocomplete="off">
<label>Dist-tag<input type="text" name="tag" id="owner-tag" list="owner-tags" required maxlength="64" value="${tags.find((tag) => tag !== 'latest') ?? 'next'}"></label>
<datalist id="owner-tags">${tags.map((tag) => html`<option value="${tag}"></option>`)}</datalist>
<label>To version<select name="version" id="owner-tag-version">${options}</select></label>
<button type="button" class="secondary" data-action="tag">Move tag</button>
</form>
<div id="owner-confirm" hidden><p id="owner-confirm-text"></p><button type="button" class="danger" data-action="confirm">Confirm</button> <button type="button" class="secondary" data-action="cancel">Cancel</button></div>
<p class="status" id="owner-status" role="status" aria-live="polite"></p>
</section>`;
}
