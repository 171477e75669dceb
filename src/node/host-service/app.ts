/**
 * The plugin host service's web app: one hono app made of mounted parts.
 * The management API (`/api/v1`), metrics (`/metrics`) and the management
 * page (`/ui`) mount before the plugin routes, which take every other path:
 * a catch-all that bounds the request's body (request-body.ts) and hands the request to the host (`host.fetch`, which
 * answers 404 or 405 itself when no plugin route matches). This module
 * imports hono; the CLI loads it only for `plughub host`, after checking
 * that hono is installed (cli/optional-packages.ts).
 */
import { Hono } from 'hono';
import { boundRequestBody } from './request-body.js';

/** What answers the plugin routes: the plugin host. */
export interface PluginRoutes {
  fetch(request: Request): Promise<Response>;
}

/** A part of the service mounted under a path of its own (`/api/v1`, `/metrics`, `/ui`). */
export interface MountedPart {
  /** The path it is mounted under, such as `/api/v1`. */
  path: string;
  /** Its handler; it sees the whole request URL. */
  fetch(request: Request): Response | Promise<Response>;
}

/** The paths reserved for the service's own parts: plugins cannot serve under them once a part is mounted there. */
export const RESERVED_MOUNTS = ['/api/v1', '/metrics', '/ui'] as const;

/** The parts of the service app. */
export interface HostAppParts {
  plugins: PluginRoutes;
  /** Parts mounted before the plugin routes (default none). */
  mounts?: MountedPart[];
  /** The largest request body a plugin route is given (default 10 MiB; 413 past it). */
  maxBodyBytes?: number;
}

/** The default of `maxBodyBytes`: the host's bound on a body crossing to a worker-isolated plugin. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * The service's hono app: the mounted parts, then the plugin routes for any
 * other path. Serve it with `app.fetch`.
 *
 * @example const app = createHostApp({ plugins: host }); await serveNode(app, { port: 8080 });
 */
export function createHostApp(parts: HostAppParts): Hono {
  const app = new Hono();
  for (const part of parts.mounts ?? []) {
    const handle = (context: { req: { raw: Request } }) => part.fetch(context.req.raw);
    app.all(part.path, handle);
    app.all(`${part.path}/*`, handle);
  }
  const plugins = parts.plugins;
  const maxBodyBytes = parts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const bounded = async (raw: Request) => {
    const request = await boundRequestBody(raw, maxBodyBytes);
    return request instanceof Response ? request : plugins.fetch(request);
  };
  app.all('*', (context) => {
    const raw = context.req.raw;
    // A GET or HEAD has no body to bound: it goes to the plugins in this very step.
    return raw.method === 'GET' || raw.method === 'HEAD' ? plugins.fetch(raw) : bounded(raw);
  });
  return app;
}
