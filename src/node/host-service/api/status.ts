/**
 * The service routes of the management API: the effective configuration
 * (`GET /config`, with credentials in URLs redacted, a field not set as `null`), liveness
 * (`GET /health`: the process answers) and readiness (`GET /ready`: the
 * first plugins are loaded and the service is not stopping; 503 otherwise).
 */
import type { Hono } from 'hono';
import type { HostConfig } from '../config.js';
import type { ApiContext } from './context.js';
import { jsonAnswer } from './errors.js';

/** A URL with its user and password replaced by `***` (a registry URL may carry credentials). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.href;
  } catch {
    return '***';
  }
}

/** The configuration as `GET /config` shows it: every field, credentials redacted. */
export function configView(config: HostConfig): Record<string, unknown> {
  const fields = Object.entries({ ...config, registry: config.registry === undefined ? undefined : redactUrl(config.registry) });
  return Object.fromEntries(fields.map(([key, value]) => [key, value ?? null]));
}

/** Adds the service routes to `app`. */
export function statusRoutes(app: Hono, context: ApiContext): void {
  const started = Date.now();
  app.get('/config', () => jsonAnswer(200, configView(context.config)));

  app.get('/health', () => jsonAnswer(200, { status: 'ok', uptimeSeconds: Math.floor((Date.now() - started) / 1000) }));

  app.get('/ready', () => {
    const state = context.state();
    if (state === 'ready') return jsonAnswer(200, { status: 'ready', plugins: context.host.list().length });
    const message = state === 'starting' ? 'the host is still loading its plugins' : 'the host is stopping';
    return jsonAnswer(503, { error: { code: 'E_NOT_READY', message }, status: state });
  });
}
