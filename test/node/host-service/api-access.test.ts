/**
 * Who may use the management API, and what it may load: off on an address
 * other than loopback without tokens (and said so at start), on there with
 * tokens; reads protected when configured; local plugins only from under
 * the allowed directories (no `..`, no symbolic link leading out); and
 * readiness while the first plugins load.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHostService } from '../../../src/node/host-service/serve.js';
import { plgBytes, tempDir, writeTree } from '../helpers.js';
import { apiCaller, closeAfterTest, serviceLog, startService, testConfig, tokenDir } from './api-fixture.js';
import { routeManifest, routeModule, routePlugin } from './fixtures.js';

const alphaRoutes = [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }];

async function pluginDir(): Promise<string> {
  const dir = await tempDir();
  await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', alphaRoutes));
  return dir;
}

/** The service's URL on 127.0.0.1 (it listens on every address). */
const loopbackUrl = (url: string) => url.replace('0.0.0.0', '127.0.0.1');

/** A GET of `path` with a `Host` header of the caller's choice (fetch keeps its own), as a page using DNS rebinding would send. */
function getWithHost(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the management API: access', () => {
  it('on a loopback address answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    const service = await startService({ dir: await pluginDir() });
    const port = new URL(service.url).port;
    for (const path of ['/api/v1/plugins', '/api/v1/config', '/ui']) {
      const refused = await getWithHost(service.url, path, `attacker.example:${port}`);
      expect(refused.status, path).toBe(403);
      expect(refused.body).toContain('answers only requests addressed to localhost, 127.0.0.1 or [::1]');
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
        expect((await getWithHost(service.url, path, host)).status, `${path} ${host}`).toBe(200);
    }
    expect((await getWithHost(service.url, '/api/plugin/alpha/1', `attacker.example:${port}`)).status).toBe(200);
  });

  it('is off on a non-loopback address without tokens, says so at start, and leaves the plugin routes served', async () => {
    const out = serviceLog();
    const config = await testConfig({ dir: await pluginDir(), listen: '0.0.0.0' });
    const service = await startHostService(config, { log: out.log, accessLogStream: { write: () => true }, env: {} });
    closeAfterTest(service);
    expect(out.messages.join('\n')).toContain('the management API (/api/v1) is off: the service listens on 0.0.0.0, not a loopback address');
    const url = loopbackUrl(service.url);
    for (const path of ['/api/v1/plugins', '/api/v1/health', '/api/v1']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(403);
      expect((await response.json()).error.code).toBe('E_API_OFF');
    }
    expect((await fetch(`${url}/api/plugin/alpha/1`)).status).toBe(200);
  });

  it('is on on a non-loopback address with tokens: reads open, changes need an admin token', async () => {
    const tokens = await tokenDir();
    const out = serviceLog();
    const config = await testConfig({ dir: await pluginDir(), listen: '0.0.0.0', api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [] } });
    const service = await startHostService(config, { log: out.log, accessLogStream: { write: () => true }, env: {} });
    closeAfterTest(service);
    expect(out.messages.join('\n')).toContain(`reads are open, changes need an admin token of ${tokens.dir}`);
    const call = apiCaller(loopbackUrl(service.url));
    expect((await call('GET', '/plugins')).status).toBe(200);
    expect((await call('DELETE', '/plugins/alpha')).status).toBe(401);
    expect((await call('DELETE', '/plugins/alpha', undefined, tokens.admin)).status).toBe(200);
  });

  it('says at start when its token directory has no tokens yet', async () => {
    const out = serviceLog();
    const empty = await tempDir('plughub-api-tokens-');
    const config = await testConfig({ dir: await pluginDir(), api: { tokens: empty, readAccess: 'open', allowLoadFrom: [] } });
    closeAfterTest(await startHostService(config, { log: out.log, accessLogStream: { write: () => true }, env: {} }));
    expect(out.messages.join('\n')).toContain(`which has no tokens yet (plughub token create --admin --data ${empty})`);
  });

  it('refuses every change on loopback when no token directory is configured', async () => {
    const service = await startService({ dir: await pluginDir() });
    const call = apiCaller(service.url);
    expect((await call('GET', '/plugins')).status).toBe(200);
    const refused = await call('DELETE', '/plugins/alpha');
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('no token directory');
  });

  it('protects reads too with readAccess "token": 401 without a token, any valid token reads', async () => {
    const tokens = await tokenDir();
    const service = await startService({ dir: await pluginDir(), api: { tokens: tokens.dir, readAccess: 'token', allowLoadFrom: [] } });
    const call = apiCaller(service.url);
    for (const path of ['/plugins', '/plugins/alpha', '/config', '/health', '/ready', '/events', '/openapi.json']) {
      expect((await call('GET', path)).status, path).toBe(401);
    }
    expect((await call('GET', '/plugins', undefined, tokens.reader)).status).toBe(200);
    expect((await call('GET', '/config', undefined, tokens.admin)).status).toBe(200);
  });

  it('shows the effective configuration', async () => {
    const tokens = await tokenDir();
    const dir = await pluginDir();
    const service = await startService({ dir, api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [dir] } });
    const { status, body } = await apiCaller(service.url)('GET', '/config');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      dir,
      watch: false,
      registry: null,
      listen: '127.0.0.1',
      api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [dir] },
    });
  });
});

describe('the management API: local plugins', () => {
  async function setup(allowLoadFrom: (uploads: string) => string[] = (uploads) => [uploads]) {
    const tokens = await tokenDir();
    const uploads = await tempDir('plughub-api-uploads-');
    const service = await startService({ dir: await pluginDir(), api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: allowLoadFrom(uploads) } });
    const call = apiCaller(service.url);
    return { uploads, service, load: (path: string) => call('POST', '/plugins', { path }, tokens.admin), call, tokens };
  }

  it('loads a folder and a .plg file from under an allowed directory, and serves their routes', async () => {
    const { uploads, service, load } = await setup();
    await writeTree(uploads, routePlugin('notes', '1.0.0', 'n1', [{ route: '/api/plugin/notes', method: 'GET', label: 'notes.list' }]));
    const folder = await load('notes');
    expect(folder.status).toBe(201);
    expect(folder.body).toMatchObject({ name: 'notes', origin: { kind: 'local', location: join(uploads, 'notes') } });
    expect((await fetch(`${service.url}/api/plugin/notes`)).status).toBe(200);
    const plg = await plgBytes({ 'plugin.json': routeManifest('packed', '2.0.0', []), 'dist/index.js': routeModule('packed', 'p2') });
    await writeFile(join(uploads, 'packed.plg'), plg);
    expect((await load(join(uploads, 'packed.plg'))).body).toMatchObject({ name: 'packed', version: '2.0.0' });
    const again = await load('notes');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('E_CONFLICT');
  });

  it('refuses a path outside the allowed directories, one that climbs out with .., and a symbolic link leading out', async () => {
    const { uploads, load } = await setup();
    const outside = await tempDir();
    await writeTree(outside, routePlugin('evil', '1.0.0', 'e1', []));
    for (const path of [join(outside, 'evil'), '../evil', `../${outside.split('/').pop()}/evil`]) {
      const refused = await load(path);
      expect(refused.status, path).toBe(403);
      expect(refused.body.error.code).toBe('E_PATH_NOT_ALLOWED');
    }
    await symlink(join(outside, 'evil'), join(uploads, 'linked'));
    expect((await load('linked')).body.error.code).toBe('E_PATH_NOT_ALLOWED');
    await mkdir(join(uploads, 'inner'));
    await symlink(outside, join(uploads, 'inner', 'up'));
    expect((await load('inner/up/evil')).body.error.code).toBe('E_PATH_NOT_ALLOWED');
    const missing = await load('nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('E_NOT_FOUND');
  });

  it('refuses every local load when no directory is allowed (the default)', async () => {
    const { uploads, load } = await setup(() => []);
    await writeTree(uploads, routePlugin('notes', '1.0.0', 'n1', []));
    const refused = await load(join(uploads, 'notes'));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('loading local plugins through the API is off');
  });
});

describe('the management API: readiness', () => {
  it('is live but not ready while the first plugins load, refuses changes until then, and is ready after', async () => {
    // A plugin whose activate waits for the test to let it go: the service is starting until then.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gate: Server = createServer((_request, response) => void held.then(() => response.end('go')));
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    const gatePort = (gate.address() as { port: number }).port;
    try {
      const dir = await tempDir();
      await writeTree(dir, {
        'gated/plugin.json': routeManifest('gated', '1.0.0', []),
        'gated/dist/index.js': `export default {\n  async activate() { await (await fetch('http://127.0.0.1:${gatePort}/')).text(); },\n  execute() { return 'ok'; },\n};\n`,
      });
      const tokens = await tokenDir();
      let apiUrl: (url: string) => void = () => {};
      const announced = new Promise<string>((resolve) => {
        apiUrl = resolve;
      });
      const out = serviceLog((line) => {
        const match = /management API at (\S+):/.exec(line);
        if (match) apiUrl(match[1]!);
      });
      const config = await testConfig({ dir, api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [] } });
      const starting = startHostService(config, { log: out.log, accessLogStream: { write: () => true }, env: {} });
      const base = (await announced).replace(/\/api\/v1$/, '');
      const call = apiCaller(base);
      expect((await call('GET', '/health')).status).toBe(200);
      const notReady = await call('GET', '/ready');
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({ error: { code: 'E_NOT_READY' }, status: 'starting' });
      const early = await call('POST', '/upgrade', undefined, tokens.admin);
      expect(early.status).toBe(503);
      expect(early.body.error.code).toBe('E_UNAVAILABLE');
      release();
      const service = await starting;
      closeAfterTest(service);
      expect(await call('GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready', plugins: 1 } });
    } finally {
      release();
      await new Promise((resolve) => gate.close(resolve));
    }
  });
});
