/**
 * The management API's tests: a plugin host service started in-process on
 * 127.0.0.1 port 0 (closed after each test), a token directory with an
 * admin token and a read-only one, a call helper that sends a token, and
 * the per-version figures the API shows as `metrics`, kept from the host's
 * events.
 */
import { afterEach } from 'vitest';
import { createFileTokenStore } from '../../../registry-server/tokens/file.js';
import type { NodePluginHost } from '../../../src/node/host.js';
import type { HostConfig } from '../../../src/node/host-service/config.js';
import { startHostService, type HostService, type HostServiceOptions } from '../../../src/node/host-service/serve.js';
import { tempDir } from '../helpers.js';

const services: HostService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

/** A token directory with one admin token and one that may only publish (no admin scope). */
export async function tokenDir(): Promise<{ dir: string; admin: string; reader: string }> {
  const dir = await tempDir('plughub-api-tokens-');
  const store = createFileTokenStore(dir);
  const admin = (await store.create({ admin: true, publish: [] })).token;
  const reader = (await store.create({ admin: false, publish: ['hello'] })).token;
  return { dir, admin, reader };
}

/** The events each plugin version went through, as the host reported them: what the API is given as `pluginMetrics`. */
export class EventFigures {
  readonly #byVersion = new Map<string, { events: string[] }>();

  /** Follows `host` from now on. */
  follow(host: NodePluginHost): void {
    host.on('loaded', ({ plugin }) => this.#add(plugin.name, plugin.version, 'loaded'));
    host.on('upgraded', ({ name, to }) => this.#add(name, to, 'upgraded'));
  }

  /** The figures of a version (null before any event of it). */
  readonly of = (name: string, version: string): { events: string[] } | null => this.#byVersion.get(`${name}@${version}`) ?? null;

  #add(name: string, version: string, event: string): void {
    const key = `${name}@${version}`;
    const entry = this.#byVersion.get(key) ?? { events: [] };
    entry.events.push(event);
    this.#byVersion.set(key, entry);
  }
}

/** What the service logged. */
export interface ServiceLog {
  messages: string[];
  log: HostServiceOptions['log'];
}

/** A log that keeps the service's lines; `onLine` sees each as it comes. */
export function serviceLog(onLine: (line: string) => void = () => {}): ServiceLog {
  const messages: string[] = [];
  const keep = (line: string) => {
    messages.push(line);
    onLine(line);
  };
  return { messages, log: { info: keep, error: (line) => keep(`error: ${line}`) } };
}

/** A full configuration for a test: port 0 on 127.0.0.1, a fresh cache, `config` on top. */
export async function testConfig(config: Partial<HostConfig>): Promise<HostConfig> {
  return {
    dir: undefined,
    watch: false,
    registry: undefined,
    load: [],
    port: 0,
    listen: '127.0.0.1',
    graceMs: 2000,
    accessLog: undefined,
    cacheDir: await tempDir(),
    isolation: 'none',
    maxBodyBytes: 10 * 1024 * 1024,
    ...config,
  };
}

/** Starts the service (closed after the test). */
export async function startService(config: Partial<HostConfig>, options: Partial<HostServiceOptions> = {}): Promise<HostService> {
  const service = await startHostService(await testConfig(config), { log: serviceLog().log, accessLogStream: { write: () => true }, env: {}, ...options });
  services.push(service);
  return service;
}

/** Keeps a service started elsewhere to close after the test. */
export function closeAfterTest(service: HostService): void {
  services.push(service);
}

/** A call to the API: `call(url)('POST', '/plugins', { spec }, token)` → status and JSON body. */
export function apiCaller(base: string) {
  return async (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: Headers }> => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
  };
}
