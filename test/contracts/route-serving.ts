/**
 * The contract of `host.fetch`, run against every way a plugin can run: in
 * the host's realm (test/core/host/fetch.test.ts, node and happy-dom) and in
 * a worker (test/node/routes-isolation.test.ts, real worker_threads). The
 * plugins are plain ES modules, so the same bytes serve in both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isRouteConflictError, isRouteError } from '../../src/core/errors/index.js';
import type { HostOptions, Isolation, PluginHost } from '../../src/core/index.js';

/** A host for one test; the suite closes it afterwards. */
export type MakeHost = (options?: Pick<HostOptions, 'api' | 'routeTimeoutMs' | 'maxRouteBodyBytes' | 'upgradeGraceMs'>) => Promise<PluginHost>;

type Route = { route: string; method: string; label: string };

/** A local bundle with `http_services` routes. */
export function routeBundle(name: string, version: string, code: string, routes: Route[], driver?: string) {
  return {
    manifest: { name, version, source: { mode: 'esm', path: 'index.js' }, http_services: { ...(driver ? { driver } : {}), routes } },
    bytes: new TextEncoder().encode(`// ${name}@${version} ${Math.random()}\n${code}`),
    location: `/plugins/${name}`,
  };
}

/** Echoes what a route call's context carries. */
export const ROUTE_ECHO = `export async function execute(ctx) {
  const body = ctx.request.method === 'POST' ? await ctx.request.text() : undefined;
  return {
    version: ctx.plugin.version,
    label: ctx.label,
    params: ctx.get('params'),
    query: ctx.get('query').getAll('q'),
    method: ctx.request.method,
    url: ctx.request.url,
    header: ctx.request.headers.get('x-test'),
    body,
  };
}
`;

/** Returns something different per route label. */
export const RESULTS = `export function execute(ctx) {
  switch (ctx.label) {
    case 'text': return 'hello';
    case 'empty': return undefined;
    case 'json': return { a: [1, 2] };
    case 'bytes': return new Uint8Array([1, 2, 3]);
    case 'response': return new Response('made', { status: 201, headers: { 'x-made': 'yes' } });
    case 'throws': throw new Error('secret detail');
    case 'hangs': return new Promise(() => {});
    case 'waits':
      ctx.host.started();
      return new Promise((resolve) => ctx.signal.addEventListener('abort', () => {
        ctx.host.note(ctx.signal.reason && ctx.signal.reason.name);
        resolve('too late');
      }));
    case 'big': return 'x'.repeat(Number(ctx.get('query').get('size')));
  }
}
`;

/** A definition with a fetch handler, for full control. */
export const FETCH_HANDLER = `export default {
  execute() { return 'execute is not used for routes'; },
  async fetch(request, ctx) {
    const body = JSON.stringify({ via: 'fetch', method: request.method, label: ctx.label, id: ctx.get('params').id, same: request === ctx.request });
    return new Response(body, { status: 202, headers: { 'content-type': 'application/json' } });
  },
};
`;

/** The same with named exports. */
export const NAMED_FETCH = `export function execute() { return 'unused'; }
export function fetch(request, ctx) { return 'named ' + ctx.label + ' ' + new URL(request.url).pathname; }
`;

/** Answers after a short wait, naming its version, label and param names; its activate takes a while (a swap's handover). */
export const VERSIONED = `export async function activate() { await new Promise((resolve) => setTimeout(resolve, 20)); }
export async function execute(ctx) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return { version: ctx.plugin.version, label: ctx.label, params: Object.keys(ctx.get('params')) };
}
`;

/** Version 1.0.0 waits for the host's `release()` before it answers; every version answers its version. */
export const SLOW_FIRST = `export async function execute(ctx) {
  if (ctx.plugin.version === '1.0.0') {
    ctx.host.started();
    await ctx.host.release();
  }
  return ctx.plugin.version;
}
`;

const get = (host: PluginHost, path: string, init?: RequestInit) => host.fetch(new Request(`http://plugins.test${path}`, init));

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  expect(response.headers.get('content-type')).toContain('application/json');
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

/** Registers the contract's tests for plugins running with `isolation`. */
export function describeRouteServing(title: string, isolation: Isolation, make: MakeHost): void {
  describe(title, () => {
    const hosts: PluginHost[] = [];
    afterEach(async () => {
      await Promise.all(hosts.splice(0).map((host) => host.close()));
    });
    const host = async (options?: Parameters<MakeHost>[0]) => {
      const made = await make(options);
      hosts.push(made);
      return made;
    };
    const load = (target: PluginHost, bundle: ReturnType<typeof routeBundle>, replace = false) =>
      target.loadBundle(bundle, { isolation, ...(replace ? { replace } : {}) });

    it('runs the matched route with its label, params, query and request', async () => {
      const target = await host();
      await load(
        target,
        routeBundle('sample', '1.0.0', ROUTE_ECHO, [
          { route: '/api/plugin/sample/:id', method: 'GET', label: 'plugin.get' },
          { route: '/api/plugin/sample/:id', method: 'POST', label: 'plugin.post' },
        ]),
      );
      const response = await get(target, '/api/plugin/sample/a%2Fb/?q=1&q=two', { headers: { 'x-test': 'yes' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({
        version: '1.0.0',
        label: 'plugin.get',
        params: { id: 'a/b' },
        query: ['1', 'two'],
        method: 'GET',
        url: 'http://plugins.test/api/plugin/sample/a%2Fb/?q=1&q=two',
        header: 'yes',
      });
      const posted = await get(target, '/api/plugin/sample/7', { method: 'POST', body: 'the body' });
      expect(await posted.json()).toMatchObject({ label: 'plugin.post', params: { id: '7' }, method: 'POST', body: 'the body' });
    });

    it('turns results into responses: text, 204, JSON, bytes, a Response as is', async () => {
      const target = await host();
      const labels = ['text', 'empty', 'json', 'bytes', 'response'];
      await load(
        target,
        routeBundle(
          'results',
          '1.0.0',
          RESULTS,
          labels.map((label) => ({ route: `/r/${label}`, method: 'GET', label })),
        ),
      );
      const text = await get(target, '/r/text');
      expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([200, 'text/plain; charset=utf-8', 'hello']);
      const empty = await get(target, '/r/empty');
      expect([empty.status, await empty.text()]).toEqual([204, '']);
      expect(await (await get(target, '/r/json')).json()).toEqual({ a: [1, 2] });
      const bytes = await get(target, '/r/bytes');
      expect(bytes.headers.get('content-type')).toBe('application/octet-stream');
      expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3]);
      const made = await get(target, '/r/response');
      expect([made.status, made.headers.get('x-made'), await made.text()]).toEqual([201, 'yes', 'made']);
    });

    it('hands the request to a fetch handler, in the definition or as a named export', async () => {
      const target = await host();
      await load(target, routeBundle('handler', '1.0.0', FETCH_HANDLER, [{ route: '/h/:id', method: 'PUT', label: 'h.put' }]));
      await load(target, routeBundle('named', '1.0.0', NAMED_FETCH, [{ route: '/named/*', method: 'GET', label: 'n.get' }]));
      const response = await get(target, '/h/42', { method: 'PUT', body: 'x' });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ via: 'fetch', method: 'PUT', label: 'h.put', id: '42', same: true });
      expect(await (await get(target, '/named/a/b')).text()).toBe('named n.get /named/a/b');
    });

    it('answers 404, 405 with Allow, OPTIONS and HEAD itself', async () => {
      const target = await host();
      await load(
        target,
        routeBundle('items', '1.0.0', ROUTE_ECHO, [
          { route: '/items/:id', method: 'GET', label: 'get' },
          { route: '/items/:id', method: 'DELETE', label: 'delete' },
        ]),
      );
      const missing = await get(target, '/nothing/here');
      expect(missing.status).toBe(404);
      expect(await errorOf(missing)).toEqual({ code: 'E_NOT_FOUND', message: 'no route matches GET /nothing/here' });
      const wrong = await get(target, '/items/1', { method: 'PUT', body: 'x' });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');
      expect((await errorOf(wrong)).code).toBe('E_METHOD_NOT_ALLOWED');
      const options = await get(target, '/items/1', { method: 'OPTIONS' });
      expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, DELETE, HEAD, OPTIONS']);
      const head = await get(target, '/items/1', { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([200, 'application/json; charset=utf-8', '']);
      expect((await get(target, '/items/%E0%A4%A')).status).toBe(400);
      expect((await get(target, `/${'a'.repeat(9000)}`)).status).toBe(414);
    });

    it('answers 500 without the plugin’s error, and 504 at the route deadline', async () => {
      const target = await host({ routeTimeoutMs: 100 });
      await load(
        target,
        routeBundle('results', '1.0.0', RESULTS, [
          { route: '/throws', method: 'GET', label: 'throws' },
          { route: '/hangs', method: 'GET', label: 'hangs' },
        ]),
      );
      const failed = await get(target, '/throws');
      expect(failed.status).toBe(500);
      const error = await errorOf(failed);
      expect(error).toEqual({ code: 'E_EXECUTE', message: 'GET /throws: results@1.0.0 (throws) failed' });
      expect(JSON.stringify(error)).not.toContain('secret');
      const late = await get(target, '/hangs');
      expect(late.status).toBe(504);
      expect(await errorOf(late)).toEqual({ code: 'E_DEADLINE', message: 'GET /hangs: results@1.0.0 (hangs) did not answer in time' });
    });

    it('aborts the call’s context when the request’s signal aborts', async () => {
      let noted!: (reason: string) => void;
      const note = new Promise<string>((resolve) => (noted = resolve));
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const target = await host({ api: { started: () => started(), note: (reason: string) => noted(reason) } });
      await load(target, routeBundle('results', '1.0.0', RESULTS, [{ route: '/waits', method: 'GET', label: 'waits' }]));
      const controller = new AbortController();
      const pending = get(target, '/waits', { signal: controller.signal });
      await running;
      controller.abort(new Error('the client went away'));
      const response = await pending;
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe('E_CANCELLED');
      expect(await note).toBe('Error');
    });

    it('refuses a plugin whose routes overlap another’s, naming both plugins and patterns', async () => {
      const target = await host();
      await load(target, routeBundle('first', '1.0.0', ROUTE_ECHO, [{ route: '/api/x/:id', method: 'GET', label: 'first' }]));
      const error = await load(target, routeBundle('second', '2.0.0', ROUTE_ECHO, [{ route: '/api/x/new', method: 'GET', label: 'second' }])).catch(
        (e: unknown) => e,
      );
      expect(isRouteConflictError(error)).toBe(true);
      expect((error as Error).message).toContain('second@2.0.0: route GET /api/x/new overlaps the route of first@1.0.0 GET /api/x/:id');
      expect(target.get('second')).toBeUndefined();
      await load(target, routeBundle('second', '2.0.0', ROUTE_ECHO, [{ route: '/api/x/new', method: 'POST', label: 'second' }]));
      expect(await (await get(target, '/api/x/new', { method: 'POST' })).json()).toMatchObject({ version: '2.0.0', label: 'second' });
      expect(await (await get(target, '/api/x/new')).json()).toMatchObject({ label: 'first', params: { id: 'new' } });
    });

    it('lets only one of two overlapping plugins loading at the same time in', async () => {
      const target = await host();
      const results = await Promise.allSettled([
        load(target, routeBundle('left', '1.0.0', ROUTE_ECHO, [{ route: '/both/:id', method: 'GET', label: 'left' }])),
        load(target, routeBundle('right', '1.0.0', ROUTE_ECHO, [{ route: '/both/one', method: 'GET', label: 'right' }])),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(isRouteConflictError(refused.reason)).toBe(true);
      expect(target.list()).toHaveLength(1);
    });

    it('refuses a reload whose new routes overlap another plugin’s, and the old version keeps serving', async () => {
      const target = await host();
      await load(target, routeBundle('a', '1.0.0', ROUTE_ECHO, [{ route: '/a', method: 'GET', label: 'a' }]));
      await load(target, routeBundle('b', '1.0.0', ROUTE_ECHO, [{ route: '/b/:id', method: 'GET', label: 'b' }]));
      const error = await load(target, routeBundle('a', '1.1.0', ROUTE_ECHO, [{ route: '/b/*', method: 'GET', label: 'a' }]), true).catch((e: unknown) => e);
      expect(isRouteConflictError(error)).toBe(true);
      expect((error as Error).message).toContain('a@1.1.0: route GET /b/* overlaps the route of b@1.0.0 GET /b/:id');
      expect(target.get('a')?.version).toBe('1.0.0');
      expect(await (await get(target, '/a')).json()).toMatchObject({ version: '1.0.0' });
    });

    it('serves no route of an unloaded plugin (404 after unload)', async () => {
      const target = await host();
      await load(target, routeBundle('gone', '1.0.0', ROUTE_ECHO, [{ route: '/gone', method: 'GET', label: 'gone' }]));
      expect((await get(target, '/gone')).status).toBe(200);
      await target.unload('gone');
      const after = await get(target, '/gone');
      expect(after.status).toBe(404);
    });

    it('refuses the beego driver and unknown drivers at load', async () => {
      const target = await host();
      const beego = await load(target, routeBundle('go', '1.0.0', ROUTE_ECHO, [{ route: '/go', method: 'GET', label: 'go' }], 'beego')).catch(
        (e: unknown) => e,
      );
      expect(isRouteError(beego)).toBe(true);
      expect((beego as Error).message).toContain('"beego" (go-plugin\'s) is not supported: use "fetch"');
      const unknown = await load(target, routeBundle('go', '1.0.0', ROUTE_ECHO, [{ route: '/go', method: 'GET', label: 'go' }], 'gin')).catch(
        (e: unknown) => e,
      );
      expect((unknown as Error).message).toContain('unknown http_services.driver "gin"');
      expect(target.list()).toEqual([]);
      await load(target, routeBundle('go', '1.0.0', ROUTE_ECHO, [{ route: '/go', method: 'GET', label: 'go' }], 'fetch'));
      expect((await get(target, '/go')).status).toBe(200);
    });

    it('finishes a request on the version it matched when an upgrade swaps that version out', async () => {
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const target = await host({ api: { started: () => started(), release: () => released } });
      const routes = [{ route: '/slow', method: 'GET', label: 'slow' }];
      await load(target, routeBundle('slow', '1.0.0', SLOW_FIRST, routes));
      const retired = new Promise<string>((resolve) => target.on('retired', ({ version }) => resolve(version)));
      const pending = get(target, '/slow');
      await running;
      await load(target, routeBundle('slow', '2.0.0', SLOW_FIRST, routes), true);
      expect(await (await get(target, '/slow')).text()).toBe('2.0.0');
      release();
      const response = await pending;
      expect([response.status, await response.text()]).toEqual([200, '1.0.0']);
      expect(await retired).toBe('1.0.0');
    });

    it('swaps routes with the version under a stream of requests: none failed, none mixed', async () => {
      const target = await host();
      const v1 = routeBundle('versioned', '1.0.0', VERSIONED, [{ route: '/items/:id', method: 'GET', label: 'v1.get' }]);
      const v2 = routeBundle('versioned', '2.0.0', VERSIONED, [{ route: '/items/:key', method: 'GET', label: 'v2.get' }]);
      await load(target, v1);
      const seen: Array<{ status: number; body: { version: string; label: string; params: string[] } | string; afterSwap: boolean }> = [];
      let swapped = false;
      let afterSwapCount = 0;
      let warmedUp!: () => void;
      const warm = new Promise<void>((resolve) => (warmedUp = resolve));
      const client = async () => {
        while (afterSwapCount < 40) {
          const afterSwap = swapped;
          const response = await get(target, `/items/${seen.length}`);
          const body = response.status === 200 ? await response.json() : await response.text();
          seen.push({ status: response.status, body, afterSwap });
          if (afterSwap) afterSwapCount += 1;
          // Let the stream run on version 1 first.
          if (seen.length === 16) warmedUp();
        }
      };
      const clients = Array.from({ length: 8 }, client);
      await warm;
      await load(target, v2, true).then(() => (swapped = true));
      await Promise.all(clients);
      expect(seen.filter((entry) => entry.status !== 200)).toEqual([]);
      for (const { body } of seen) {
        const expected =
          typeof body === 'object' && body.version === '1.0.0' ? { label: 'v1.get', params: ['id'] } : { version: '2.0.0', label: 'v2.get', params: ['key'] };
        expect(body).toMatchObject(expected);
      }
      expect(seen.some(({ body }) => typeof body === 'object' && body.version === '1.0.0')).toBe(true);
      expect(seen.filter((entry) => entry.afterSwap).every(({ body }) => typeof body === 'object' && body.version === '2.0.0')).toBe(true);
    });
  });
}
