/**
 * Plugins that serve routes, for the plugin host service's tests: a
 * manifest with `http_services`, and a module that answers with its name,
 * version tag, route label and params.
 */

/** A plugin.json declaring `routes` (route, method, label). */
export function routeManifest(name: string, version: string, routes: Array<{ route: string; method: string; label: string }>): string {
  return JSON.stringify({ name, version, source: { mode: 'esm', path: 'dist/index.js' }, http_services: { driver: 'fetch', routes } });
}

/**
 * A plugin module whose execute answers `{ plugin, tag, label, params }`;
 * on the label `slow` it first logs "slow request started" and waits
 * `delayMs` (a request that stays in flight).
 */
export function routeModule(name: string, tag: string, delayMs = 0): string {
  return `export default {
  async execute(ctx) {
    if (ctx.label === 'slow') {
      ctx.log.info('slow request started');
      await new Promise((resolve) => setTimeout(resolve, ${delayMs}));
    }
    return { plugin: ${JSON.stringify(name)}, tag: ${JSON.stringify(tag)}, label: ctx.label, params: ctx.get('params') };
  },
};
`;
}

/** The files of a route-serving plugin folder. */
export function routePlugin(name: string, version: string, tag: string, routes: Array<{ route: string; method: string; label: string }>, delayMs = 0) {
  return { [`${name}/plugin.json`]: routeManifest(name, version, routes), [`${name}/dist/index.js`]: routeModule(name, tag, delayMs) };
}
