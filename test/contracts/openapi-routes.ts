/**
 * Checks an OpenAPI document against the routes a hono app really has: a
 * route missing from the document, or an operation documented but not
 * routed, is reported. hono's `:name` parameters are compared as OpenAPI's
 * `{name}`; catch-all and middleware entries (`*`, method `ALL`) are left out.
 */

/** The part of an OpenAPI 3 document this check reads. */
export interface OpenApiPaths {
  paths: Record<string, Record<string, unknown>>;
}

/** One route as hono lists it in `app.routes`. */
export interface RouteEntry {
  method: string;
  path: string;
}

const OPERATIONS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** `METHOD /path/{param}` for each routed operation (HEAD and OPTIONS only when routed on their own). */
export function routedOperations(routes: readonly RouteEntry[]): string[] {
  const found = new Set<string>();
  for (const { method, path } of routes) {
    if (method === 'ALL' || path.includes('*')) continue;
    found.add(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')}`);
  }
  return [...found].sort();
}

/** `METHOD /path/{param}` for each operation of the document. */
export function documentedOperations(document: OpenApiPaths): string[] {
  const found: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item)) if (OPERATIONS.has(method)) found.push(`${method.toUpperCase()} ${path}`);
  }
  return found.sort();
}

/** The routes the document lacks and the operations it has that nothing routes. */
export function compareOpenApiToRoutes(document: OpenApiPaths, routes: readonly RouteEntry[]): { undocumented: string[]; unrouted: string[] } {
  const routed = routedOperations(routes);
  const documented = documentedOperations(document);
  return {
    undocumented: routed.filter((operation) => !documented.includes(operation)),
    unrouted: documented.filter((operation) => !routed.includes(operation)),
  };
}
