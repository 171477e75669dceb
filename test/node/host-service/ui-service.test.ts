/**
 * The management page served by a real `plughub host` on 127.0.0.1 port 0:
 * its security headers and assets, the live part with the host's plugins
 * and recent errors (a hostile error message escaped), the API's access
 * rules (reads that need a token, an API that is off), and the paths under
 * /ui that plugins cannot take.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../../registry-server/ui/security.js';
import { createPluginHost } from '../../../src/node/host.js';
import { createHostUi } from '../../../src/node/host-service/ui/index.js';
import { tempDir } from '../helpers.js';
import { startRegistry } from '../registry-fixture.js';
import { apiCaller, startService, testConfig, tokenDir } from './api-fixture.js';
import { routeModule } from './fixtures.js';

const helloRoutes = { http_services: { routes: [{ route: '/hello/:id', method: 'GET', label: 'hello.get' }] } };

async function setup(readAccess: 'open' | 'token' = 'open') {
  const registry = await startRegistry();
  await registry.publish('hello', '1.0.0', routeModule('hello', 'h1'), helloRoutes);
  const tokens = await tokenDir();
  const service = await startService({ registry: registry.url, load: ['hello@^1'], api: { tokens: tokens.dir, readAccess, allowLoadFrom: [] } });
  return { registry, tokens, service, call: apiCaller(service.url) };
}

describe('the management page', () => {
  it('serves the page with the strict CSP, its assets, and the loaded plugins', async () => {
    const { service } = await setup();
    const response = await fetch(`${service.url}/ui`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('<tr data-plugin="hello">');
    expect(text).toContain('<code>GET /hello/:id</code>');
    expect(text).toContain('data-reads="open"');
    const script = /src="(\/ui\/assets\/host\.js\?v=\w+)"/.exec(text)?.[1];
    const style = /href="(\/ui\/assets\/site\.css\?v=\w+)"/.exec(text)?.[1];
    for (const [path, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [style, 'text/css; charset=utf-8'],
    ] as const) {
      const asset = await fetch(`${service.url}${path}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe(type);
      expect(asset.headers.get('content-security-policy')).toBe(PAGE_CSP);
    }
    expect((await fetch(`${service.url}/ui/assets/registry.js`)).status).toBe(404);
    expect((await fetch(`${service.url}/ui/anything`)).status).toBe(404);
    expect(Buffer.byteLength(text)).toBeLessThan(100 * 1024);
  });

  it('shows the figures of a plugin after it served, and the recent errors newest first, escaped', async () => {
    const { service, registry, call, tokens } = await setup();
    expect((await fetch(`${service.url}/hello/1`)).status).toBe(200);
    await registry.publish('broken', '1.0.0', 'throw new Error("<img src=x onerror=alert(1)> broke");\nexport default {};\n');
    expect((await call('POST', '/plugins', { spec: 'broken@^1' }, tokens.admin)).status).toBeGreaterThanOrEqual(400);
    expect((await call('POST', '/plugins', { spec: 'missing@^1' }, tokens.admin)).status).toBe(404);
    const live = await (await fetch(`${service.url}/ui?fragment=live`)).text();
    expect(live.startsWith('<div id="live">')).toBe(true);
    expect(live).toContain('<span class="figure">0 calls</span><span class="figure">1 request</span><span class="figure muted">0 errors</span>');
    expect(live).not.toContain('<img');
    const errors = [...live.matchAll(/<li><span class="tag">(\w+)<\/span> <strong>([^<]+)<\/strong>/g)].map((match) => `${match[1]} ${match[2]}`);
    expect(errors).toEqual(['load missing', 'load broken']);
    expect(live).toContain('&lt;img src=x onerror=alert(1)&gt; broke');
  });

  it('with reads that need a token: renders the shell, and lists only for a valid token', async () => {
    const { service, tokens } = await setup('token');
    const page = await (await fetch(`${service.url}/ui`)).text();
    expect(page).toContain('data-reads="token"');
    expect(page).not.toContain('data-plugin="hello"');
    const refused = await fetch(`${service.url}/ui?fragment=live`);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.message).toMatch(/token/i);
    const wrong = await fetch(`${service.url}/ui?fragment=live`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(wrong.status).toBe(401);
    const listed = await fetch(`${service.url}/ui?fragment=live`, { headers: { authorization: `Bearer ${tokens.reader}` } });
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain('data-plugin="hello"');
  });

  it('says the page is off when the management API is, and still serves its stylesheet', async () => {
    const config = await testConfig({ listen: '0.0.0.0' });
    const host = createPluginHost({ cacheDir: await tempDir(), env: {} });
    const reason = 'the management API (/api/v1) is off: the service listens on 0.0.0.0, not a loopback address';
    const ui = createHostUi({ host, config, availability: { on: false, reason } });
    try {
      const response = await ui.fetch(new Request('http://127.0.0.1/ui'));
      expect(response.status).toBe(403);
      expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
      expect(await response.text()).toContain(`The management page is off, as ${reason}.`);
      expect((await ui.fetch(new Request('http://127.0.0.1/ui?fragment=live'))).status).toBe(403);
      const style = await ui.fetch(new Request('http://127.0.0.1/ui/assets/site.css'));
      expect(style.status).toBe(200);
    } finally {
      ui.close();
      await host.close();
    }
  });
});
