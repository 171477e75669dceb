/**
 * The registry's web interface, mounted on its hono app: the front page
 * with search (`/`), a plugin's page (`/plugins/name`,
 * `/plugins/@scope/name`, `?v=` for a version), and the assets
 * (`/assets/…`). Every answer carries the security headers of security.ts.
 * Pages read what the API serves — the storage's plugin list and
 * documents, the signer's state — and never write.
 */
import type { Context } from 'hono';
import { validatePluginName } from '../../src/core/plugin/index.js';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { versionFileHex } from '../documents.js';
import type { ResolvedOptions } from '../options.js';
import { parseDocument } from '../storage/snapshot.js';
import type { DownloadCounter } from '../download-counter.js';
import { readDownloads } from '../download-stats.js';
import { assetResponse } from './assets.js';
import { DownloadRanking } from './download-ranking.js';
import { page, type Html } from './layout.js';
import { MarkdownCache } from './markdown.js';
import { pluginPage, versionsNewestFirst, versionsTable, type SignatureState } from './plugin-page.js';
import { resultsFragment, searchPage, searchRequestOf } from './search-page.js';
import { pageHeaders } from './security.js';
import { html } from 'hono/html';

/** Adds a route to the registry's app (instrumented like the API's). */
export type AddRoute = (method: string, pattern: string, handler: (c: Context) => Response | Promise<Response>) => void;

/** Adds the pages to the registry's app through `route`; `counter` holds the downloads not yet in the storage. */
export function mountPages(route: AddRoute, options: ResolvedOptions, counter: DownloadCounter): void {
  const readmes = new MarkdownCache();
  const ranking = new DownloadRanking(options);
  const parsed = new WeakMap<Uint8Array, PluginDocument>();

  route('GET', '/', async (c) => {
    const url = new URL(c.req.url);
    const search = searchRequestOf(url);
    const all = await options.storage.listPlugins();
    const downloads = search.sort === 'downloads' ? await ranking.totals(all) : undefined;
    if (url.searchParams.get('fragment') === 'results') return htmlResponse(200, resultsFragment(all, search, downloads));
    return htmlResponse(200, searchPage(all, search, downloads));
  });

  const showPlugin = async (c: Context, name: string) => {
    if (validatePluginName(name) !== undefined) return notFound(`There is no plugin named “${name.slice(0, 100)}” here.`);
    const snapshot = await options.storage.getDocument(name);
    if (snapshot === undefined) return notFound(`There is no plugin named “${name}” here.`);
    let document = parsed.get(snapshot.bytes);
    if (document === undefined) {
      document = parseDocument(snapshot.bytes);
      parsed.set(snapshot.bytes, document);
    }
    const url = new URL(c.req.url);
    const asked = url.searchParams.get('v');
    const version = asked ?? document.distTags.latest ?? versionsNewestFirst(document)[0];
    if (version === undefined || !Object.hasOwn(document.versions, version)) return notFound(`${name} has no version ${asked ?? ''}.`);
    const downloads = await readDownloads(options, counter, name);
    if (url.searchParams.get('fragment') === 'versions') return htmlResponse(200, versionsTable(document, version, downloads));
    const readmeHex = versionFileHex(document, version, 'README.md');
    const changelogHex = versionFileHex(document, version, 'CHANGELOG.md');
    const [readme, changelog, all, signature] = await Promise.all([
      readmeHex === undefined ? undefined : readmes.get(readmeHex, () => options.storage.getBlob('sha256', readmeHex)),
      changelogHex === undefined ? undefined : readmes.get(changelogHex, () => options.storage.getBlob('sha256', changelogHex)),
      options.storage.listPlugins(),
      signatureState(options, name, snapshot),
    ]);
    const dependents = all.filter((plugin) => plugin.dependencies?.includes(name));
    const registryUrl = options.publicUrl ?? url.origin;
    return htmlResponse(200, pluginPage({ document, version, readme, changelog, dependents, signature, registryUrl, downloads }));
  };
  route('GET', '/plugins/:name', (c) => showPlugin(c, c.req.param('name') ?? ''));
  route('GET', '/plugins/:scope/:name', (c) => showPlugin(c, `${c.req.param('scope')}/${c.req.param('name')}`));

  route('GET', '/assets/:file', (c) => assetResponse(c.req.param('file') ?? '', c.req.method) ?? notFound('No such file.'));
}

/** The registry's signing state for a plugin's page, or undefined without signing. */
async function signatureState(
  options: ResolvedOptions,
  name: string,
  snapshot: Parameters<NonNullable<ResolvedOptions['signer']>['document']>[1],
): Promise<SignatureState | undefined> {
  const signer = options.signer;
  if (signer === undefined) return undefined;
  const [loaded, answer] = await Promise.all([signer.keyring(), signer.document(name, snapshot)]);
  return { keyids: loaded.keyring.active, keysVersion: loaded.keyring.keysVersion, expiresAt: answer.expiresAt, version: answer.version };
}

async function htmlResponse(status: number, body: Html): Promise<Response> {
  return new Response(String(await body), { status, headers: pageHeaders() });
}

function notFound(message: string): Promise<Response> {
  return htmlResponse(404, page({ title: 'Not found', body: html`<h1>Not found</h1><p>${message}</p><p><a href="/">Search the plugins</a></p>` }));
}
