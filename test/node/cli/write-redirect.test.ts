/**
 * A registry answers a write (yank, un-yank, publish) with a redirect to
 * another origin. The token rightly does not go along, so the write cannot
 * happen there; following it and reporting success would tell the user a
 * version was yanked when it was not. Writes never follow redirects: the
 * CLI fails naming where it was sent, and the second origin sees nothing.
 * A yank must also be answered with the version entry in the state asked for.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isRedirectError } from '../../../src/core/errors/index.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { tempDir } from '../helpers.js';

const servers = new Set<Server>();
afterEach(async () => {
  await Promise.all([...servers].map((server) => new Promise((resolve) => server.close(resolve))));
  servers.clear();
});

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** A server on 127.0.0.1 port 0 answering with `answer`; records what it received. */
async function serve(answer: (request: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string }) {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    request.resume();
    request.on('end', () => {
      const { status, headers = {}, body = '' } = answer(request);
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body);
    });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const entry = (yanked: boolean) => ({
  manifest: { name: 'hello', version: '1.0.0' },
  dist: { integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', size: 0, url: '/v1/blobs/sha256/e3' },
  publishedAt: '2026-01-01T00:00:00.000Z',
  yanked,
});

/** Another origin that answers 200 to anything (a static host, a catch-all page), and a registry redirecting every request there with `status`. */
async function redirecting(status: number) {
  const elsewhere = await serve(() => ({ status: 200, body: JSON.stringify(entry(true)) }));
  const registry = await serve((request) => ({ status, headers: { location: `${elsewhere.url}${request.url}` } }));
  return { elsewhere, registry };
}

describe('writes answered with a redirect', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`yank fails on a ${status} to another origin, naming it, and nothing reaches that origin`, async () => {
      const { elsewhere, registry } = await redirecting(status);
      const cwd = await tempDir();
      const yanked = await cli(['yank', 'hello@1.0.0'], { cwd, env: { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: 'secret' } });
      expect(yanked).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `plughub: POST ${registry.url}/v1/plugins/hello/1.0.0/yank was redirected (${status}) to ${elsewhere.url}/v1/plugins/hello/1.0.0/yank; ` +
          'a write never follows a redirect (the token would not go along), so nothing was written\n',
      });
      expect(registry.seen).toEqual([{ method: 'POST', url: '/v1/plugins/hello/1.0.0/yank', authorization: 'Bearer secret' }]);
      expect(elsewhere.seen).toEqual([]);
    });
  }

  it('un-yank and publish fail the same way; the client error is a RedirectError with the location', async () => {
    const { elsewhere, registry } = await redirecting(307);
    const cwd = await tempDir();
    const undo = await cli(['yank', 'hello@1.0.0', '--undo'], { cwd, env: { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: 'secret' } });
    expect(undo.code).toBe(1);
    expect(undo.stderr).toContain(`DELETE ${registry.url}/v1/plugins/hello/1.0.0/yank was redirected (307) to ${elsewhere.url}/`);
    const client = createRegistryClient({ url: registry.url, token: 'secret', retry: 0 });
    const error = await client.publish('hello', '1.0.0', new Uint8Array([1, 2, 3])).catch((e: unknown) => e);
    expect(isRedirectError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'E_REDIRECT',
      method: 'PUT',
      status: 307,
      plugin: 'hello',
      version: '1.0.0',
      location: `${elsewhere.url}/v1/plugins/hello/1.0.0`,
    });
    expect(elsewhere.seen).toEqual([]);
  });

  it('a read still follows a redirect, and the token stays with the registry origin', async () => {
    const document = { name: 'hello', distTags: { latest: '1.0.0' }, modified: '2026-01-01T00:00:00.000Z', versions: { '1.0.0': entry(false) } };
    const elsewhere = await serve(() => ({ status: 200, body: JSON.stringify(document) }));
    const registry = await serve((request) => ({ status: 302, headers: { location: `${elsewhere.url}${request.url}` } }));
    const client = createRegistryClient({ url: registry.url, token: 'secret', retry: 0 });
    const answer = await client.getDocument('hello');
    expect(answer).toMatchObject({ status: 200, document: { name: 'hello' } });
    expect(registry.seen[0]!.authorization).toBe('Bearer secret');
    expect(elsewhere.seen).toEqual([{ method: 'GET', url: '/v1/plugins/hello', authorization: undefined }]);
  });
});

describe('the answer to a yank', () => {
  it('must be the version entry in the state asked for', async () => {
    const cwd = await tempDir();
    for (const [body, found] of [
      [JSON.stringify(entry(false)), 'hello@1.0.0 with yanked: false'],
      ['{}', 'not a version entry'],
      [JSON.stringify({ ...entry(true), manifest: { name: 'other', version: '1.0.0' } }), 'other@1.0.0 with yanked: true'],
    ] as const) {
      const registry = await serve(() => ({ status: 200, body }));
      const yanked = await cli(['yank', 'hello@1.0.0'], { cwd, env: { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: 'secret' } });
      expect(yanked.code).toBe(1);
      expect(yanked.stdout).toBe('');
      expect(yanked.stderr).toContain(
        `plughub: hello@1.0.0: POST ${registry.url}/v1/plugins/hello/1.0.0/yank answered 200 but not with the version entry the yank should leave ` +
          `(expected hello@1.0.0 with yanked: true, found ${found}`,
      );
    }
  });

  it('against the real registry, yank and un-yank succeed and say so', async () => {
    const registry = await inProcessRegistry();
    const cwd = await tempDir();
    const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token };
    const { collectBytes, packPlg } = await import('../../../src/core/plg/index.js');
    const manifest = { name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } };
    const plg = await collectBytes(
      packPlg([
        { path: 'plugin.json', content: JSON.stringify(manifest) },
        { path: 'dist/index.js', content: 'export {};\n' },
      ]),
    );
    await createRegistryClient({ url: registry.url, retry: 0 }).publish('hello', '1.0.0', plg, { token: registry.token });
    expect(await cli(['yank', 'hello@1.0.0', '--json'], { cwd, env })).toMatchObject({
      code: 0,
      stdout: '{\n  "name": "hello",\n  "version": "1.0.0",\n  "yanked": true\n}\n',
    });
    expect(await cli(['yank', 'hello@1.0.0', '--undo'], { cwd, env })).toMatchObject({ code: 0, stdout: 'restored hello@1.0.0: ranges resolve to it again\n' });
  });
});
