/**
 * A `plughub export` served by a plain static file server (directories
 * redirect to `…/` and serve their index.html, like nginx or
 * `python -m http.server`), in Node: a scoped plugin loads through a host
 * trusting the registry key (its document URL `/v1/plugins/@acme%2Fhello`
 * decoded to the file `v1/plugins/@acme/hello`); `client.list()` asks
 * `/v1/plugins?q=…`, is redirected to `/v1/plugins/` (index.html, the signed
 * list), filters it itself, and the envelope it returns verifies with the
 * trust guard — while a list signed by another key does not. A description
 * holding markup is exported escaped, and still loads and lists as written.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTokenStore, createFsStorage, createRegistry } from '../../registry-server/index.js';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { generateSigningKey, type Envelope } from '../../src/core/trust/envelope.js';
import { createTrustGuard } from '../../src/core/trust/trust-guard.js';
import { cli } from '../e2e/cli-harness.js';
import { onCleanup, pluginPackage, publish, publishRequest, tempDir } from '../registry-server/helpers.js';
import { staticServer } from '../registry-server/trust-helpers.js';
import { nodeHost } from './helpers.js';

/** A data directory with `@acme/hello` and `plain` (and `marked`, whose description is markup), exported with the CLI and served statically. */
async function mirror(markup?: string) {
  const data = await tempDir();
  const storage = createFsStorage(data);
  onCleanup(() => storage.close());
  const tokens = createFileTokenStore(data);
  const { token } = await tokens.create({ admin: true, publish: [] });
  const registry = { fetch: createRegistry({ storage, tokens }).fetch, adminToken: token };
  await publish(registry, '@acme/hello', '1.0.0');
  await publish(registry, 'plain', '2.0.0');
  if (markup !== undefined) {
    const { bytes } = await pluginPackage('marked', '1.0.0', { manifestExtra: { description: markup } });
    expect((await registry.fetch(publishRequest('marked', '1.0.0', bytes, { token }))).status).toBe(201);
  }
  // The versions' files are placed right after their 201s; another process (the export) reads them from the directory.
  await storage.listPlugins();
  const out = join(await tempDir(), 'site');
  const exported = await cli(['export', '--data', data, '--out', out], { cwd: '/' });
  expect(exported.code, exported.stderr).toBe(0);
  const shown = await cli(['keys', 'show', '--data', data, '--json'], { cwd: '/' });
  const keys = JSON.parse(shown.stdout) as { keys: { publicKey: string }[] };
  return { out, url: await staticServer(out), publicKey: keys.keys[0]!.publicKey };
}

describe('a plughub export on a plain static server', () => {
  it('loads a scoped plugin with its signature checked', async () => {
    const site = await mirror();
    const host = await nodeHost({ registry: site.url, trustedKeys: [site.publicKey] });
    const plugin = await host.load('@acme/hello@^1');
    expect(plugin.version).toBe('1.0.0');
    expect(await host.execute('@acme/hello')).toBe('@acme/hello@1.0.0');
    await host.settled();
    expect((await host.documents.get(host.registry!.url, '@acme/hello'))?.envelope).toBeDefined();
    const stranger = await nodeHost({ registry: site.url, trustedKeys: [(await generateSigningKey()).publicKey] });
    await expect(stranger.load('@acme/hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
  });

  it('lists through the /v1/plugins/ redirect, and the returned envelope verifies', async () => {
    const site = await mirror();
    const redirect = await fetch(`${site.url}/v1/plugins?q=hello`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/v1/plugins/']);
    const client = createRegistryClient({ url: site.url, signed: true, retry: 0 });
    const result = await client.list({ q: 'hello' });
    expect(result.total).toBe(1);
    expect(result.plugins.map((row) => row.name)).toEqual(['@acme/hello']);
    expect((await client.list({ limit: 1, offset: 1 })).plugins.map((row) => row.name)).toEqual(['plain']);
    const guard = createTrustGuard(client.url, { trustedKeys: [site.publicKey] }, (version) => client.keys(version));
    const payload = await guard.list(result.envelope, `${client.url}/v1/plugins`);
    expect(payload.plugins.map((row) => row.name)).toEqual(['@acme/hello', 'plain']);

    // The same list signed by someone else, or altered, is refused by the guard.
    const file = join(site.out, 'v1', 'plugins', 'index.html');
    const envelope = JSON.parse(await readFile(file, 'utf8')) as Envelope;
    await writeFile(file, JSON.stringify({ ...envelope, payload: envelope.payload.replace('"plain"', '"plain2"') }));
    const altered = await client.list();
    expect(altered.plugins.map((row) => row.name)).toContain('plain2');
    await expect(guard.list(altered.envelope, `${client.url}/v1/plugins`)).rejects.toMatchObject({ code: 'E_SIGNATURE' });
  });
});

describe('a plughub export holding markup', () => {
  it('writes no < into any page, and a host still loads and lists the plugin as published', async () => {
    const markup = '<script>document.title = "pwned"</script><b>bold</b> & more';
    const site = await mirror(markup);
    for (const path of ['v1/plugins/index.html', 'v1/keys/index.html', 'v1/plugins/marked', 'v1/index']) {
      const response = await fetch(`${site.url}/${path}`);
      expect(await response.text(), path).not.toMatch(/[<>&]/);
    }
    const host = await nodeHost({ registry: site.url, trustedKeys: [site.publicKey] });
    expect((await host.load('marked')).version).toBe('1.0.0');
    expect(await host.execute('marked')).toBe('marked@1.0.0');
    const client = createRegistryClient({ url: site.url, signed: true, retry: 0 });
    const listed = await client.list({ q: 'marked' });
    expect(listed.plugins.map((row) => [row.name, row.description])).toEqual([['marked', markup]]);
    const guard = createTrustGuard(client.url, { trustedKeys: [site.publicKey] }, (version) => client.keys(version));
    expect((await guard.list(listed.envelope, `${client.url}/v1/plugins`)).plugins.map((row) => row.description)).toContain(markup);
  });
});
