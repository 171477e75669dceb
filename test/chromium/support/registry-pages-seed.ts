/**
 * A registry with plugins worth looking at, for the pages' browser tests:
 * several versions with dates and tags, a yanked version, keywords,
 * scopes, a dependency and its dependent, HTTP routes, a README with
 * Markdown and a hostile README carrying XSS payloads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectBytes, packPlg, type PlgFile } from '../../../src/core/plg/index.js';
import { createFsStorage, createMemoryTokenStore, createRegistry, serveNode, type SigningOptions } from '../../../registry-server/index.js';

/** A running registry with seeded plugins, an admin token and a token that may publish only `other`. */
export interface SeededRegistry {
  url: string;
  adminToken: string;
  otherToken: string;
  close(): Promise<void>;
}

/** Markdown a plugin's README holds: headings, a list, code, a table, a link. */
export const FRIENDLY_README = `# Markdown renderer

Renders **Markdown** to HTML for your host.

## Usage

\`\`\`js
const html = await host.execute('md-render', { values: { source: '# Hi' } });
\`\`\`

| option | default |
|--------|---------|
| gfm    | true    |

- [x] tables
- [ ] footnotes

See [the project](https://example.com/md-render).
`;

/** A README that tries every way we know to run script on the registry's origin. */
export const HOSTILE_README = `# Totally normal plugin

<script>window.__xss = 'script'</script>
<img src=x onerror="window.__xss = 'onerror'">
<svg onload="window.__xss = 'svg'"></svg>
<iframe srcdoc="<script>parent.__xss = 'iframe'</script>"></iframe>
<a href="javascript:window.__xss = 'link'" id="evil-link">click me</a>
[markdown link](javascript:window.__xss='md')
<details open ontoggle="window.__xss = 'details'"><summary>x</summary></details>
<form action="javascript:window.__xss='form'"><button id="evil-button">go</button></form>
<math><mtext><table><mglyph><style><img src=x onerror="window.__xss='math'">
`;

function bundle(text: string): string {
  return `export function execute(ctx) { return ${JSON.stringify(text)}; }\n`;
}

async function pack(manifest: Record<string, unknown>, readme?: string, changelog?: string): Promise<Uint8Array> {
  const files: PlgFile[] = [
    { path: 'plugin.json', content: JSON.stringify({ source: { mode: 'esm', path: 'index.js' }, ...manifest }) },
    { path: 'index.js', content: bundle(`${manifest.name}@${manifest.version}`) },
  ];
  if (readme !== undefined) files.push({ path: 'README.md', content: readme });
  if (changelog !== undefined) files.push({ path: 'CHANGELOG.md', content: changelog });
  return collectBytes(packPlg(files));
}

/** Starts the registry on 127.0.0.1 port 0 and publishes the seed plugins. */
export async function startSeededRegistry(options: { signing?: SigningOptions; extraPlugins?: number } = {}): Promise<SeededRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plughub-pages-'));
  const tokens = createMemoryTokenStore();
  const { token: adminToken } = await tokens.create({ admin: true, publish: [] });
  const { token: otherToken } = await tokens.create({ admin: false, publish: ['other'] });
  const storage = createFsStorage(dataDir);
  const server = await serveNode(createRegistry({ storage, tokens, uploads: { perToken: 64 }, ...(options.signing ? { signing: options.signing } : {}) }), {
    port: 0,
    host: '127.0.0.1',
    closeGraceMs: 500,
  });
  const put = async (manifest: Record<string, unknown>, readme?: string, changelog?: string) => {
    const response = await fetch(`${server.url}/v1/plugins/${encodeURIComponent(String(manifest.name))}/${manifest.version}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/gzip' },
      body: (await pack(manifest, readme, changelog)) as Uint8Array<ArrayBuffer>,
    });
    if (response.status !== 201) throw new Error(`seeding ${manifest.name}@${manifest.version}: ${response.status} ${await response.text()}`);
  };
  const common = { license: 'MIT', maintainers: ['ada@example.com'], home: 'https://example.com/md-render' };
  for (const version of ['0.9.0', '1.0.0', '1.1.0', '2.0.0-beta.1']) {
    await put(
      { name: 'md-render', version, description: 'Renders Markdown to HTML', keywords: ['markdown', 'text'], engines: { host: '^1.0.0' }, ...common },
      FRIENDLY_README,
      `# Changelog\n\n## ${version}\n\n- Tables and task lists render.\n- <script>window.__xss = 'changelog'</script> nothing runs.\n`,
    );
  }
  await put({
    name: 'notes',
    version: '1.0.0',
    description: 'Takes notes and serves them over HTTP',
    keywords: ['http', 'text'],
    dependencies: { 'md-render': '^1.0.0' },
    http_services: { routes: [{ route: '/api/plugin/notes/:id', method: 'GET', label: 'notes.get' }] },
  });
  await put({ name: '@acme/greeter', version: '1.0.0', description: 'Greets people by name', keywords: ['greeting'], engines: { host: '^2.0.0' } });
  await put({ name: 'hostile', version: '1.0.0', description: 'A plugin whose README attacks the registry' }, HOSTILE_README);
  await put({ name: 'gone', version: '1.0.0', description: 'Every version yanked' });
  await fetch(`${server.url}/v1/plugins/gone/1.0.0/yank`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  await fetch(`${server.url}/v1/plugins/md-render/0.9.0/yank`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  for (let index = 0; index < (options.extraPlugins ?? 0); index++) {
    await put({ name: `filler-${String(index).padStart(2, '0')}`, version: '1.0.0', description: `Filler plugin number ${index}` });
  }
  return {
    url: server.url,
    adminToken,
    otherToken,
    async close() {
      await server.close();
      await storage.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
