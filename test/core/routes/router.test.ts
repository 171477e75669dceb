import { describe, expect, it } from 'vitest';
import { isRouteConflictError, isRouteError, RouteConflictError } from '../../../src/core/errors/index.js';
import { parseManifest } from '../../../src/core/plugin/index.js';
import { compileRoutes, MAX_REQUEST_PATH_LENGTH, RouteTable, splitRequestPath, toResponse, type RequestPath } from '../../../src/core/routes/index.js';

function routesOf(name: string, version: string, routes: Array<[string, string, string?]>, driver?: string) {
  const manifest = parseManifest({
    name,
    version,
    source: { mode: 'esm', path: 'index.js' },
    http_services: { ...(driver ? { driver } : {}), routes: routes.map(([method, route, label]) => ({ method, route, label: label ?? `${name}.${method}` })) },
  });
  return compileRoutes(manifest);
}

function path(pathname: string): RequestPath {
  const split = splitRequestPath(pathname);
  if (typeof split === 'string') throw new Error(`unexpected ${split}`);
  return split;
}

describe('splitRequestPath', () => {
  it('decodes each segment once and never splits on %2F', () => {
    expect(splitRequestPath('/a/b%2Fc/%25/caf%C3%A9')).toEqual({ segments: ['a', 'b/c', '%', 'café'], raw: ['a', 'b%2Fc', '%25', 'caf%C3%A9'] });
  });

  it('ignores one trailing slash and keeps empty segments in the middle', () => {
    expect(path('/a/b/').segments).toEqual(['a', 'b']);
    expect(path('/').segments).toEqual([]);
    expect(path('/a//b').segments).toEqual(['a', '', 'b']);
  });

  it('reports a malformed escape and a path over the bound', () => {
    expect(splitRequestPath('/a/%E0%A4%A')).toBe('malformed');
    expect(splitRequestPath(`/${'a'.repeat(MAX_REQUEST_PATH_LENGTH)}`)).toBe('too-long');
  });
});

describe('RouteTable', () => {
  it('matches params (decoded), trailing slashes and wildcards', () => {
    const table = new RouteTable<string>();
    table.serve(
      'sample',
      routesOf('sample', '1.0.0', [
        ['GET', '/api/plugin/sample/:id', 'plugin.get'],
        ['GET', '/files/*', 'files'],
      ]),
      'v1',
    );
    const found = table.lookup('GET', path('/api/plugin/sample/a%2Fb/'));
    expect(found).toMatchObject({ kind: 'match', match: { target: 'v1', owner: 'sample', route: { label: 'plugin.get' }, params: { id: 'a/b' } } });
    expect(table.lookup('GET', path('/files/x/y%2Fz'))).toMatchObject({ kind: 'match', match: { params: { '*': 'x/y%2Fz' } } });
    expect(table.lookup('GET', path('/files'))).toMatchObject({ kind: 'match', match: { params: { '*': '' } } });
    expect(table.lookup('GET', path('/api/plugin/sample'))).toEqual({ kind: 'none' });
    expect(table.lookup('GET', path('/api/plugin/sample//'))).toEqual({ kind: 'none' });
    expect(table.lookup('GET', path('/api/plugin/sample/1/2'))).toEqual({ kind: 'none' });
  });

  it('lists the methods of a path for a wrong method, and lets HEAD use GET', () => {
    const table = new RouteTable<string>();
    table.serve(
      'items',
      routesOf('items', '1.0.0', [
        ['GET', '/items/:id'],
        ['DELETE', '/items/:id'],
      ]),
      'v1',
    );
    expect(table.lookup('PUT', path('/items/1'))).toEqual({ kind: 'method', allow: ['GET', 'DELETE'] });
    expect(table.lookup('HEAD', path('/items/1'))).toMatchObject({ kind: 'match', match: { route: { method: 'GET' } } });
  });

  it('refuses a route of another owner that overlaps, naming both plugins and both patterns', () => {
    const table = new RouteTable<string>();
    table.serve('a', routesOf('a', '1.0.0', [['GET', '/api/x/:id']]), 'a');
    let error: unknown;
    try {
      table.check('b', routesOf('b', '2.0.0', [['GET', '/api/x/new']]));
    } catch (caught) {
      error = caught;
    }
    expect(isRouteConflictError(error)).toBe(true);
    expect(error).toBeInstanceOf(RouteConflictError);
    expect((error as RouteConflictError).message).toBe(
      'b@2.0.0: route GET /api/x/new overlaps the route of a@1.0.0 GET /api/x/:id: both can match the same path; change one of the patterns, or unload a@1.0.0 first',
    );
    expect((error as RouteConflictError).code).toBe('E_ROUTE_CONFLICT');
    expect(error).toMatchObject({ route: { plugin: 'b@2.0.0', method: 'GET', route: '/api/x/new' }, existing: { plugin: 'a@1.0.0', route: '/api/x/:id' } });
    expect(() => table.check('b', routesOf('b', '2.0.0', [['POST', '/api/x/new']]))).not.toThrow();
    expect(() => table.check('a', routesOf('a', '1.1.0', [['GET', '/api/x/new']]))).not.toThrow();
  });

  it('holds claims of loads in progress against each other until released', () => {
    const table = new RouteTable<string>();
    const release = table.claim('a', routesOf('a', '1.0.0', [['GET', '/shared']]));
    expect(() => table.claim('b', routesOf('b', '1.0.0', [['GET', '/shared/']]))).toThrow(
      /b@1\.0\.0: route GET \/shared\/ overlaps the route of a@1\.0\.0 GET \/shared/,
    );
    release();
    expect(() => table.claim('b', routesOf('b', '1.0.0', [['GET', '/shared/']]))).not.toThrow();
  });

  it('replaces an owner’s routes at once, and removes them', () => {
    const table = new RouteTable<string>();
    table.serve('p', routesOf('p', '1.0.0', [['GET', '/old']]), 'v1');
    table.serve('p', routesOf('p', '2.0.0', [['GET', '/new']]), 'v2');
    expect(table.lookup('GET', path('/old'))).toEqual({ kind: 'none' });
    expect(table.lookup('GET', path('/new'))).toMatchObject({ kind: 'match', match: { target: 'v2' } });
    table.remove('p');
    expect(table.lookup('GET', path('/new'))).toEqual({ kind: 'none' });
  });
});

describe('compileRoutes', () => {
  it('takes "fetch" as the default driver', () => {
    expect(routesOf('p', '1.0.0', [['GET', '/a']]).routes).toHaveLength(1);
    expect(routesOf('p', '1.0.0', [['GET', '/a']], 'fetch').routes).toHaveLength(1);
  });

  it('refuses beego, saying what to use, and an unknown driver', () => {
    const beego = (() => {
      try {
        return routesOf('p', '1.0.0', [['GET', '/a']], 'beego');
      } catch (error) {
        return error;
      }
    })();
    expect(isRouteError(beego)).toBe(true);
    expect((beego as Error).message).toBe(
      'p@1.0.0: http_services.driver "beego" (go-plugin\'s) is not supported: use "fetch" (or leave driver out); its routes are then served by host.fetch(request) and plughub host',
    );
    expect(() => routesOf('p', '1.0.0', [['GET', '/a']], 'express')).toThrow(
      'p@1.0.0: unknown http_services.driver "express" (known: fetch; the default is "fetch")',
    );
  });

  it('refuses two routes of one plugin that overlap', () => {
    expect(() =>
      routesOf('p', '1.0.0', [
        ['GET', '/a/:id'],
        ['GET', '/a/new'],
      ]),
    ).toThrow('p@1.0.0: route GET /a/new overlaps its own route GET /a/:id: both can match the same path; change one of the patterns');
    expect(
      routesOf('p', '1.0.0', [
        ['GET', '/a/:id'],
        ['PUT', '/a/:id'],
      ]).routes,
    ).toHaveLength(2);
  });
});

describe('compileRoutes bounds', () => {
  const manifestWith = (routes: unknown[]) => ({
    ...parseManifest({ name: 'many', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } }),
    http_services: { routes },
  });

  it('refuses more routes than a publish allows, and an overlong label', () => {
    const routes = Array.from({ length: 65 }, (_, i) => ({ route: `/r${i}`, method: 'GET', label: `r${i}` }));
    expect(() => compileRoutes(manifestWith(routes) as never)).toThrow('many@1.0.0: http_services declares 65 routes; a plugin may serve at most 64');
    expect(compileRoutes(manifestWith(routes.slice(0, 64)) as never).routes).toHaveLength(64);
    expect(() => compileRoutes(manifestWith([{ route: '/a', method: 'GET', label: 'l'.repeat(129) }]) as never)).toThrow('is longer than 128 characters');
  });
});

describe('toResponse(value, true) on any platform', () => {
  it('reads as a Response, prepared or not (where the platform cannot have one stand for its Response)', async () => {
    const response = toResponse({ ok: true }, true);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ ok: true });
  });
});
