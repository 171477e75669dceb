/**
 * The routes a host serves, by owner (a plugin name), each set with the
 * target that answers it (the version serving that name). Replacing an
 * owner's routes and target is one synchronous step, so a request matches
 * either the old version's routes (and runs on it) or the new one's, never
 * a mix. Loads in progress `claim` their routes first, so that two plugins
 * loading at the same time cannot both pass the overlap check; a claim is
 * released once the routes serve or the load failed.
 */
import type { CompiledRoute, PluginRoutes } from './compile.js';
import { routeConflict, routesOwner } from './compile.js';
import { patternsOverlap } from './pattern.js';
import type { RequestPath } from './path.js';

/** A route that matched, with its target and the path's parameters. */
export interface RouteMatch<T> {
  readonly target: T;
  readonly owner: string;
  readonly route: CompiledRoute;
  /** Decoded `:param` values; the rest a `*` matched is `params['*']`, still percent-encoded. */
  readonly params: Record<string, string>;
}

/** What a path and method found: a route, the methods the path has (405), or nothing (404). */
export type RouteLookup<T> = { kind: 'match'; match: RouteMatch<T> } | { kind: 'method'; allow: string[] } | { kind: 'none' };

interface Served<T> {
  readonly owner: string;
  readonly routes: PluginRoutes;
  readonly route: CompiledRoute;
  readonly target: T;
}

/** The routes that serve, indexed by segment count, and the claims of loads in progress. */
export class RouteTable<T> {
  readonly #serving = new Map<string, { routes: PluginRoutes; target: T }>();
  readonly #claims = new Map<string, Set<PluginRoutes>>();
  /** Routes without a wildcard, by their number of segments. */
  #exact = new Map<number, Served<T>[]>();
  #wildcards: Served<T>[] = [];

  /** Throws a RouteConflictError when a route of `routes` overlaps one of another owner, serving or claimed. */
  check(owner: string, routes: PluginRoutes): void {
    if (routes.routes.length === 0) return;
    for (const [other, entry] of this.#serving) if (other !== owner) refuseOverlap(routes, entry.routes);
    for (const [other, claimed] of this.#claims) if (other !== owner) for (const theirs of claimed) refuseOverlap(routes, theirs);
  }

  /** Checks `routes` and holds them against other owners' loads until the returned function is called. */
  claim(owner: string, routes: PluginRoutes): () => void {
    this.check(owner, routes);
    if (routes.routes.length === 0) return () => {};
    let claimed = this.#claims.get(owner);
    if (!claimed) this.#claims.set(owner, (claimed = new Set()));
    claimed.add(routes);
    return () => {
      const set = this.#claims.get(owner);
      set?.delete(routes);
      if (set?.size === 0) this.#claims.delete(owner);
    };
  }

  /** Makes `routes`, answered by `target`, the routes of `owner` (replacing its previous ones at once). */
  serve(owner: string, routes: PluginRoutes, target: T): void {
    this.#serving.set(owner, { routes, target });
    this.#reindex();
  }

  /** Removes the routes of `owner`. */
  remove(owner: string): void {
    if (this.#serving.delete(owner)) this.#reindex();
  }

  /** Finds the route for `method` and `path`; HEAD falls back to GET. */
  lookup(method: string, path: RequestPath): RouteLookup<T> {
    const candidates = this.#exact.get(path.segments.length);
    let allow: Set<string> | undefined;
    let fallback: Served<T> | undefined;
    let fallbackParams: Record<string, string> | undefined;
    // The exact routes of this length first, then the wildcards; no closure or list is made per lookup.
    for (let list = candidates, pass = 0; pass < 2; list = this.#wildcards, pass++) {
      if (list === undefined) continue;
      for (const served of list) {
        const params = matchPattern(served.route, path);
        if (!params) continue;
        const routeMethod = served.route.method;
        if (routeMethod === method) return { kind: 'match', match: { target: served.target, owner: served.owner, route: served.route, params } };
        if (method === 'HEAD' && routeMethod === 'GET') {
          fallback = served;
          fallbackParams = params;
        }
        (allow ??= new Set()).add(routeMethod);
      }
    }
    if (fallback && fallbackParams)
      return { kind: 'match', match: { target: fallback.target, owner: fallback.owner, route: fallback.route, params: fallbackParams } };
    if (!allow) return { kind: 'none' };
    return { kind: 'method', allow: [...allow] };
  }

  #reindex(): void {
    const exact = new Map<number, Served<T>[]>();
    const wildcards: Served<T>[] = [];
    for (const [owner, { routes, target }] of this.#serving) {
      for (const route of routes.routes) {
        const served = { owner, routes, route, target };
        if (route.pattern.wildcard) wildcards.push(served);
        else {
          const length = route.pattern.segments.length;
          const list = exact.get(length);
          if (list) list.push(served);
          else exact.set(length, [served]);
        }
      }
    }
    this.#exact = exact;
    this.#wildcards = wildcards;
  }
}

/** Throws when a route of `ours` overlaps one of `theirs` with the same method. */
function refuseOverlap(ours: PluginRoutes, theirs: PluginRoutes): void {
  for (const route of ours.routes) {
    for (const other of theirs.routes) {
      if (route.method === other.method && patternsOverlap(route.pattern, other.pattern)) {
        throw routeConflict(routesOwner(ours), route, routesOwner(theirs), other, { plugin: ours.plugin, version: ours.version });
      }
    }
  }
}

/** The params when `route` matches `path`, else undefined. */
function matchPattern(route: CompiledRoute, path: RequestPath): Record<string, string> | undefined {
  const { segments, wildcard } = route.pattern;
  const decoded = path.segments;
  if (wildcard ? decoded.length < segments.length : decoded.length !== segments.length) return undefined;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'static' ? segment.value !== decoded[i] : decoded[i] === '') return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'param') params[segment.name] = decoded[i]!;
  }
  if (wildcard) params['*'] = path.raw.slice(segments.length).join('/');
  return params;
}
