/**
 * A plugin's `http_services`, compiled once when it loads: the driver
 * checked (`fetch`, the default, is the only one), every route's pattern
 * parsed (pattern.ts), and no two of its own routes with the same method
 * able to match the same path. At most 64 routes, labels of at most 128
 * characters (the bounds a publish applies), so the overlap checks stay small.
 */
import { RouteConflictError, RouteError } from '../errors/index.js';
import { MANIFEST_FIELD_LIMITS, type Manifest } from '../plugin/index.js';
import { parseRoutePattern, patternsOverlap, type RoutePattern } from './pattern.js';

/** The drivers a host mounts routes with: `fetch`, routes served by `host.fetch(request)`. */
export const ROUTE_DRIVERS: readonly string[] = Object.freeze(['fetch']);

/** One route of a plugin, ready for matching. */
export interface CompiledRoute {
  /** Uppercase HTTP method. */
  readonly method: string;
  readonly pattern: RoutePattern;
  /** What `ctx.label` is set to on a call of this route. */
  readonly label: string;
}

/** The routes of one plugin version. */
export interface PluginRoutes {
  readonly plugin: string;
  readonly version: string;
  readonly routes: readonly CompiledRoute[];
}

/** `name@version`. */
export function routesOwner(routes: PluginRoutes): string {
  return `${routes.plugin}@${routes.version}`;
}

/** The error for `route` of `owner` overlapping `other` of `otherOwner`. */
export function routeConflict(
  owner: string,
  route: CompiledRoute,
  otherOwner: string,
  other: CompiledRoute,
  details: { plugin: string; version: string },
): RouteConflictError {
  const ours = { plugin: owner, method: route.method, route: route.pattern.source };
  const theirs = { plugin: otherOwner, method: other.method, route: other.pattern.source };
  const own = owner === otherOwner;
  const where = own ? 'its own route' : `the route of ${otherOwner}`;
  const fix = own ? 'change one of the patterns' : `change one of the patterns, or unload ${otherOwner} first`;
  return new RouteConflictError(
    `${owner}: route ${route.method} ${route.pattern.source} overlaps ${where} ${other.method} ${other.pattern.source}: both can match the same path; ${fix}`,
    ours,
    theirs,
    details,
  );
}

/** Checks the driver, parses every route and refuses overlaps among them; a plugin without routes gets an empty list. */
export function compileRoutes(manifest: Manifest): PluginRoutes {
  const details = { plugin: manifest.name, version: manifest.version };
  const owner = `${manifest.name}@${manifest.version}`;
  const services = manifest.http_services;
  const empty: PluginRoutes = { plugin: manifest.name, version: manifest.version, routes: [] };
  if (!services) return empty;
  const driver = services.driver ?? 'fetch';
  if (driver === 'beego') {
    throw new RouteError(
      `${owner}: http_services.driver "beego" (go-plugin's) is not supported: use "fetch" (or leave driver out); its routes are then served by host.fetch(request) and plughub host`,
      details,
    );
  }
  if (!ROUTE_DRIVERS.includes(driver)) {
    throw new RouteError(
      `${owner}: unknown http_services.driver ${JSON.stringify(driver.slice(0, 128))} (known: ${ROUTE_DRIVERS.join(', ')}; the default is "fetch")`,
      details,
    );
  }
  const declared = services.routes ?? [];
  // A host reads published manifests with looser bounds than a publish applies (manifest-limits.ts); routes it serves keep the publish bounds.
  if (declared.length > MANIFEST_FIELD_LIMITS.routes) {
    throw new RouteError(`${owner}: http_services declares ${declared.length} routes; a plugin may serve at most ${MANIFEST_FIELD_LIMITS.routes}`, details);
  }
  const routes: CompiledRoute[] = [];
  for (const route of declared) {
    if (route.label.length > MANIFEST_FIELD_LIMITS.label) {
      throw new RouteError(
        `${owner}: the label of route ${route.method} ${route.route.slice(0, 120)} is longer than ${MANIFEST_FIELD_LIMITS.label} characters`,
        details,
      );
    }
    const compiled = { method: route.method, pattern: parseRoutePattern(route.route, details), label: route.label };
    const clash = routes.find((other) => other.method === compiled.method && patternsOverlap(other.pattern, compiled.pattern));
    if (clash) throw routeConflict(owner, compiled, owner, clash, details);
    routes.push(compiled);
  }
  return { plugin: manifest.name, version: manifest.version, routes };
}
