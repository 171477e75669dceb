/**
 * The fixture of bench/registry-throughput.ts, made by the script (never by
 * a server process, which then runs no HTTP client beside its server): five
 * versions of a plugin with a 37 KB bundle published to the registry, then
 * what the registry answers for its document and the newest bundle — the
 * 200's bytes and headers and the 304 to its own ETag — for the raw server
 * to answer the same.
 */
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import type { FixtureRoute } from './registry-throughput-servers.js';

const DROPPED_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** The headers of a response, as the raw server must send them (node:http adds Date and Connection itself). */
function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!DROPPED_HEADERS.has(key)) headers[key] = value;
  });
  return headers;
}

/** Captures what the registry answers at `path`: its 200 and the 304 to its own ETag. */
async function capture(url: string, path: string): Promise<FixtureRoute> {
  const response = await fetch(`${url}${path}`);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  const body = new Uint8Array(await response.arrayBuffer());
  const etag = response.headers.get('etag') ?? '';
  const again = await fetch(`${url}${path}`, { headers: { 'if-none-match': etag } });
  if (again.status !== 304) throw new Error(`${path} with If-None-Match: ${again.status}, expected 304`);
  await again.arrayBuffer();
  return { path, headers: headersOf(response), body: Buffer.from(body).toString('base64'), etag, notModifiedHeaders: headersOf(again) };
}

async function publishFixture(url: string, token: string): Promise<void> {
  const bundle = `export function execute(ctx) { return ${JSON.stringify('x'.repeat(37_000))}.length; }\n`;
  for (let minor = 0; minor < 5; minor++) {
    const version = `1.${minor}.0`;
    const manifest = { name: 'bench', version, description: 'A plugin to measure the registry with', source: { mode: 'esm', path: 'dist/index.js' } };
    const plg = await collectBytes(
      packPlg([
        { path: 'plugin.json', content: JSON.stringify(manifest) },
        { path: 'dist/index.js', content: `${bundle}// ${version}\n` },
      ]),
    );
    const response = await fetch(`${url}/v1/plugins/bench/${version}`, {
      method: 'PUT',
      body: plg as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    });
    if (response.status !== 201) throw new Error(`publish ${version}: ${response.status} ${await response.text()}`);
  }
}

/** Publishes the fixture to the registry at `url` and returns its two routes: the document and the newest bundle. */
export async function makeFixture(url: string, token: string): Promise<[FixtureRoute, FixtureRoute]> {
  await publishFixture(url, token);
  const documentPath = '/v1/plugins/bench';
  const document = await capture(url, documentPath);
  const parsed = JSON.parse(Buffer.from(document.body, 'base64').toString('utf8')) as { versions: Record<string, { dist: { url: string } }> };
  const blobPath = parsed.versions['1.4.0']?.dist.url ?? '';
  return [document, await capture(url, blobPath)];
}
