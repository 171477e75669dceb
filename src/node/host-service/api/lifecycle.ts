/**
 * The lifecycle routes of the management API: upgrade one registry plugin
 * to the newest version its range allows, upgrade every registry plugin
 * (`host.checkUpdates`, a report that never fails for one plugin), and
 * reload a local plugin from its folder or .plg file. A registry plugin is
 * not reloaded (409: its bytes are the registry's, pinned by their
 * integrity; upgrade it instead), nor a local one upgraded (409: reload it).
 * A reload reads the plugin again only from under an allowed directory or
 * the host's own plugin directory.
 */
import type { Hono } from 'hono';
import { readPluginAt } from '../../discover/index.js';
import { loadedPlugin, nameParam, type ApiContext } from './context.js';
import { ApiError, jsonAnswer } from './errors.js';
import { allowedLocation } from './local-source.js';
import { errorView, pluginView } from './views.js';

/** Adds the lifecycle routes to `app`. */
export function lifecycleRoutes(app: Hono, context: ApiContext): void {
  const { host } = context;
  const view = (plugin: Parameters<typeof pluginView>[0]) => pluginView(plugin, context.retiring, context.metrics);

  app.post('/plugins/:name/upgrade', async (c) => {
    const before = loadedPlugin(host, nameParam(c.req.param('name')));
    if (before.origin.kind !== 'registry') {
      throw new ApiError(
        409,
        'E_NOT_REGISTRY',
        `${before.name}@${before.version} was loaded from ${before.origin.location}, not a registry: reload it instead`,
      );
    }
    const plugin = await host.upgrade(before.name, { signal: c.req.raw.signal });
    return jsonAnswer(200, { name: plugin.name, from: before.version, to: plugin.version, plugin: view(plugin) });
  });

  app.post('/upgrade', async (c) => {
    const report = await host.checkUpdates({ signal: c.req.raw.signal });
    return jsonAnswer(200, {
      upgraded: report.upgraded,
      failed: report.failed.map(({ name, version, error }) => ({ name, version, error: errorView(error) })),
    });
  });

  app.post('/plugins/:name/reload', async (c) => {
    const before = loadedPlugin(host, nameParam(c.req.param('name')));
    if (before.origin.kind !== 'local') {
      throw new ApiError(409, 'E_NOT_LOCAL', `${before.name}@${before.version} was loaded from the registry ${before.origin.registry}: upgrade it instead`);
    }
    const allowed = [...context.allowLoadFrom, ...(context.config.dir === undefined ? [] : [context.config.dir])];
    const location = await allowedLocation(before.origin.location, allowed);
    const found = await readPluginAt(location);
    if (found.parsed.name !== before.name) {
      throw new ApiError(409, 'E_CONFLICT', `${before.origin.location} now holds ${found.parsed.name}, not ${before.name}: load it as a plugin of its own`);
    }
    const plugin = await host.loadBundle(found, { replace: true });
    return jsonAnswer(200, { name: plugin.name, from: before.version, to: plugin.version, plugin: view(plugin) });
  });
}
