/**
 * The plugin routes of the management API: list and show loaded plugins,
 * load one (`{ spec: "name@range" }` from the registry, or `{ path }` of a
 * local plugin under an allowed directory), unload one (`?force=true` even
 * when others depend on it), and run one (`execute` with values and a
 * label, under a deadline).
 */
import type { Hono } from 'hono';
import * as z from 'zod/mini';
import { isUsageError } from '../../../core/errors/index.js';
import { parsePluginSpec } from '../../../core/plugin/index.js';
import { satisfies, validRange } from '../../../core/semver.js';
import { readJsonBody } from './body.js';
import { loadedPlugin, nameParam, type ApiContext } from './context.js';
import { ApiError, jsonAnswer } from './errors.js';
import { readAllowedPlugin } from './local-source.js';
import { pluginView } from './views.js';

const loadBody = z.union([
  z.strictObject({ spec: z.string().check(z.minLength(1), z.maxLength(300)) }),
  z.strictObject({ path: z.string().check(z.minLength(1), z.maxLength(4096)) }),
]);

/** The longest deadline an execute may ask for (5 minutes); the default is 30 s. */
const MAX_EXECUTE_MS = 300_000;
const DEFAULT_EXECUTE_MS = 30_000;

const executeBody = z.strictObject({
  values: z.optional(z.record(z.string(), z.unknown())),
  label: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  timeoutMs: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_EXECUTE_MS))),
});

/** Adds the plugin routes to `app`. */
export function pluginRoutes(app: Hono, context: ApiContext): void {
  const { host } = context;
  const view = (plugin: Parameters<typeof pluginView>[0]) => pluginView(plugin, context.retiring, context.metrics);

  app.get('/plugins', () => jsonAnswer(200, { plugins: host.list().map(view) }));

  app.get('/plugins/:name', (c) => jsonAnswer(200, view(loadedPlugin(host, nameParam(c.req.param('name'))))));

  app.post('/plugins', async (c) => {
    const body = await readJsonBody(c.req.raw, loadBody);
    if ('spec' in body) {
      const { name, range } = parsePluginSpec(body.spec);
      if (host.registry === undefined)
        throw new ApiError(409, 'E_NO_REGISTRY', `cannot load ${body.spec}: this host has no registry (--registry URL or "registry")`);
      const before = host.get(name);
      if (before !== undefined && validRange(range) !== null && !satisfies(before.version, range, { includePrerelease: true })) {
        throw new ApiError(409, 'E_CONFLICT', `${name}@${before.version} is loaded and does not satisfy "${range}": upgrade it, or unload it first`);
      }
      const plugin = await host.load(body.spec);
      return jsonAnswer(before === undefined ? 201 : 200, view(plugin));
    }
    const found = await readAllowedPlugin(body.path, context.allowLoadFrom);
    const loaded = host.get(found.parsed.name);
    if (loaded !== undefined) {
      throw new ApiError(
        409,
        'E_CONFLICT',
        `${loaded.name}@${loaded.version} is loaded already: reload it (POST /api/v1/plugins/{name}/reload) or unload it first`,
      );
    }
    return jsonAnswer(201, view(await host.loadBundle(found)));
  });

  app.delete('/plugins/:name', async (c) => {
    const plugin = loadedPlugin(host, nameParam(c.req.param('name')));
    const force = c.req.query('force');
    if (force !== undefined && force !== 'true' && force !== 'false')
      throw new ApiError(400, 'E_BAD_REQUEST', `force must be true or false, not ${JSON.stringify(force.slice(0, 40))}`);
    try {
      await host.unload(plugin.name, { force: force === 'true' });
    } catch (error) {
      if (isUsageError(error)) throw new ApiError(409, 'E_HAS_DEPENDENTS', `${error.message} (?force=true)`);
      throw error;
    }
    return jsonAnswer(200, { unloaded: { name: plugin.name, version: plugin.version } });
  });

  app.post('/plugins/:name/execute', async (c) => {
    const name = nameParam(c.req.param('name'));
    loadedPlugin(host, name);
    const body = await readJsonBody(c.req.raw, executeBody, context.config.maxBodyBytes);
    const result = await host.execute(name, {
      ...(body.values !== undefined ? { values: body.values } : {}),
      ...(body.label !== undefined ? { label: body.label } : {}),
      timeoutMs: body.timeoutMs ?? DEFAULT_EXECUTE_MS,
      signal: c.req.raw.signal,
    });
    let text: string | undefined;
    try {
      text = JSON.stringify({ result: result ?? null });
    } catch (error) {
      throw new ApiError(500, 'E_RESULT', `${name} returned a result that cannot be written as JSON: ${(error as Error).message}`);
    }
    return new Response(text, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
  });
}
