/**
 * The registry's pages through the handler: the search page and its
 * filters, a plugin's page (README, versions, tags, yanked marks, manifest
 * fields, dependencies and dependents, signature state), the security
 * headers of every page, the assets, and 404 pages.
 */
import { describe, expect, it } from 'vitest';
import { collectBytes, packPlg, type PlgFile } from '../../../src/core/plg/index.js';
import { createMemorySigningStore } from '../../../registry-server/index.js';
import { PAGE_CSP } from '../../../registry-server/ui/security.js';
import { ORIGIN, get, publishRequest, testRegistry, type TestRegistry } from '../helpers.js';

async function publishWith(registry: TestRegistry, manifest: Record<string, unknown>, readme?: string, changelog?: string): Promise<void> {
  const files: PlgFile[] = [
    { path: 'plugin.json', content: JSON.stringify({ source: { mode: 'esm', path: 'index.js' }, ...manifest }) },
    { path: 'index.js', content: `export function execute() { return ${JSON.stringify(`${manifest.name}@${manifest.version}`)}; }\n` },
  ];
  if (readme !== undefined) files.push({ path: 'README.md', content: readme });
  if (changelog !== undefined) files.push({ path: 'CHANGELOG.md', content: changelog });
  const bytes = await collectBytes(packPlg(files));
  const response = await registry.fetch(publishRequest(String(manifest.name), String(manifest.version), bytes, { token: registry.adminToken }));
  expect(response.status).toBe(201);
}

async function seeded(extra: Parameters<typeof testRegistry>[0] = {}): Promise<TestRegistry> {
  const registry = await testRegistry({ driver: 'memory', ...extra });
  for (const version of ['1.0.0', '1.1.0']) {
    await publishWith(
      registry,
      { name: 'md-render', version, description: 'Renders Markdown', keywords: ['markdown'], engines: { host: '^1.0.0' }, license: 'MIT' },
      `# md-render ${version}\n\n<script>alert(1)</script>`,
      `## ${version}\n\n- <img src=x onerror=alert(1)> tables now render\n`,
    );
  }
  await publishWith(registry, {
    name: 'notes',
    version: '1.0.0',
    description: 'Keeps notes',
    keywords: ['http'],
    dependencies: { 'md-render': '^1.0.0' },
    http_services: { routes: [{ route: '/api/plugin/notes/:id', method: 'GET', label: 'notes.get' }] },
  });
  await publishWith(registry, { name: '@acme/greeter', version: '1.0.0', description: 'Greets', engines: { host: '^2.0.0' } });
  await publishWith(registry, { name: 'gone', version: '1.0.0', description: 'Yanked whole' });
  await registry.fetch(new Request(`${ORIGIN}/v1/plugins/gone/1.0.0/yank`, { method: 'POST', headers: { authorization: `Bearer ${registry.adminToken}` } }));
  return registry;
}

/** The plugin names a results list shows, in order. */
function namesIn(html: string): string[] {
  return [...html.matchAll(/<a class="name" href="[^"]+">([^<]+)<\/a>/g)].map((match) => match[1] as string);
}

describe('the search page', () => {
  it('lists plugins with security headers and no inline script or style', async () => {
    const registry = await seeded();
    const response = await get(registry, '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(PAGE_CSP).toContain("script-src 'self'");
    expect(PAGE_CSP).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(namesIn(html)).toEqual(['@acme/greeter', 'md-render', 'notes']);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
  });

  it('filters by words, scope, keyword, host version and yanked, and sorts by update', async () => {
    const registry = await seeded();
    const names = async (query: string) => namesIn(await (await get(registry, `/?${query}`)).text());
    expect(await names('q=markdown')).toEqual(['md-render']);
    expect(await names('q=GREETS')).toEqual(['@acme/greeter']);
    expect(await names('q=keeps+notes')).toEqual(['notes']);
    expect(await names('scope=%40acme')).toEqual(['@acme/greeter']);
    expect(await names('scope=-')).toEqual(['md-render', 'notes']);
    expect(await names('keyword=http')).toEqual(['notes']);
    expect(await names('host=1.4.0')).toEqual(['md-render', 'notes']);
    expect(await names('host=2.1.0')).toEqual(['@acme/greeter', 'notes']);
    expect(await names('yanked=show')).toEqual(['@acme/greeter', 'gone', 'md-render', 'notes']);
    expect(await names('sort=updated')).toEqual(['@acme/greeter', 'notes', 'md-render']);
  });

  it('pages the results and serves the results alone for the page script', async () => {
    const registry = await testRegistry({ driver: 'memory' });
    for (let index = 0; index < 45; index++) await publishWith(registry, { name: `p${String(index).padStart(2, '0')}`, version: '1.0.0' });
    const first = await (await get(registry, '/')).text();
    expect(namesIn(first)).toHaveLength(20);
    expect(first).toContain('Page 1 of 3');
    const third = await (await get(registry, '/?page=3')).text();
    expect(namesIn(third)).toEqual(['p40', 'p41', 'p42', 'p43', 'p44']);
    const fragment = await (await get(registry, '/?q=p1&fragment=results')).text();
    expect(fragment.startsWith('<div id="results">')).toBe(true);
    expect(fragment).not.toContain('<html');
    expect(namesIn(fragment)).toHaveLength(10);
  });

  it('escapes what a visitor types', async () => {
    const registry = await seeded();
    const html = await (await get(registry, `/?q=${encodeURIComponent('"><script>alert(1)</script>')}`)).text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
  });
});

describe('a plugin page', () => {
  it('shows the README sanitized, versions, tags, manifest fields and dependents', async () => {
    const registry = await seeded();
    const html = await (await get(registry, '/plugins/md-render')).text();
    expect(html).toContain('<h1>md-render 1.1.0</h1>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toMatch(/<tr data-version="1\.1\.0">[\s\S]*?<span class="tag">latest<\/span>/);
    expect(html).toContain('<tr data-version="1.0.0">');
    expect(html).toContain('<dt>License</dt><dd>MIT</dd>');
    expect(html).toContain('<dt>Host versions</dt><dd>^1.0.0</dd>');
    expect(html).toContain('<a href="/plugins/notes">notes</a>');
    expect(html).toContain('plughub run md-render@1.1.0 --registry http://registry.test');
    expect(html).toContain('this registry does not sign its documents');
    expect(html).toContain('<h2 id="changelog">Changelog</h2>');
    expect(html).toContain('<h2>1.1.0</h2>');
    expect(html).not.toContain('onerror');
    expect(await (await get(registry, '/plugins/notes')).text()).not.toContain('id="changelog"');
    const older = await (await get(registry, '/plugins/md-render?v=1.0.0')).text();
    expect(older).toContain('<h1>md-render 1.0.0</h1>');
  });

  it('shows routes and dependencies, scoped names under two segments, and yanked versions marked', async () => {
    const registry = await seeded();
    const notes = await (await get(registry, '/plugins/notes')).text();
    expect(notes).toContain('<code>GET /api/plugin/notes/:id</code> <span class="muted">notes.get</span>');
    expect(notes).toContain('<li><a href="/plugins/md-render">md-render</a> <span class="muted">^1.0.0</span></li>');
    expect((await get(registry, '/plugins/@acme/greeter')).status).toBe(200);
    const gone = await (await get(registry, '/plugins/gone')).text();
    expect(gone).toContain('<span class="badge yanked">yanked</span>');
  });

  it('reports the registry signature when the registry signs', async () => {
    const registry = await seeded({ extra: { signing: { store: createMemorySigningStore() } } });
    const html = await (await get(registry, '/plugins/notes')).text();
    expect(html).toMatch(/signed by [A-Za-z0-9_-]+ \(keys version 1\); this document's signature \(version \d+\) expires \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('answers 404 pages for unknown plugins and versions, and bad names', async () => {
    const registry = await seeded();
    for (const path of ['/plugins/nothing', '/plugins/md-render?v=9.9.9', '/plugins/BAD%20NAME', '/assets/nothing.js']) {
      const response = await get(registry, path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    }
  });

  it('serves versions alone for the page script', async () => {
    const registry = await seeded();
    const fragment = await (await get(registry, '/plugins/md-render?fragment=versions')).text();
    expect(fragment.startsWith('<div class="table-wrap" id="versions-table"')).toBe(true);
  });
});

describe('download counts on the pages', () => {
  it("shows a plugin's downloads by version and sorts the search by them", async () => {
    const registry = await seeded();
    const document = (await (await get(registry, '/v1/plugins/notes')).json()) as { versions: Record<string, { dist: { url: string } }> };
    const notesBundle = document.versions['1.0.0']?.dist.url as string;
    for (let index = 0; index < 3; index++) expect((await get(registry, notesBundle)).status).toBe(200);
    const mdDocument = (await (await get(registry, '/v1/plugins/md-render')).json()) as { versions: Record<string, { dist: { url: string } }> };
    expect((await get(registry, mdDocument.versions['1.1.0']?.dist.url as string)).status).toBe(200);
    const page = await (await get(registry, '/plugins/notes')).text();
    expect(page).toContain('<dt>Downloads</dt><dd>3 in all, 3 in the last 30 days</dd>');
    expect(page).toMatch(/<tr data-version="1\.0\.0">[\s\S]*?<td class="number">3<\/td>/);
    const sorted = await (await get(registry, '/?sort=downloads')).text();
    expect(namesIn(sorted)).toEqual(['notes', 'md-render', '@acme/greeter']);
    expect(sorted).toContain('3 downloads');
  });
});

describe('assets', () => {
  it('serves the stylesheet and the script, cacheable, with the page headers', async () => {
    const registry = await seeded();
    const css = await get(registry, '/assets/site.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(await css.text()).toContain('prefers-color-scheme: dark');
    const script = await get(registry, '/assets/registry.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await script.text()).length).toBeGreaterThan(500);
  });

  it('can be turned off with the pages', async () => {
    const registry = await testRegistry({ driver: 'memory', extra: { pages: false } });
    expect((await get(registry, '/')).status).toBe(404);
    expect((await get(registry, '/assets/site.css')).status).toBe(404);
    const document = (await (await get(registry, '/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).not.toContain('/plugins/{name}');
    expect(Object.keys(document.paths)).toContain('/v1/plugins/{name}');
  });
});
