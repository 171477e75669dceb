/**
 * The messages between a host and a plugin's worker. Every message is a plain
 * object that survives structured clone; errors travel as WireError (see
 * wire-error.ts) so that their class, code and plugin details survive too.
 *
 * host → worker: `load` (once, first), `execute`, `fetch` (a route call: the
 * request as data, answered by `done` with the response as data), `activate`, `deactivate`
 * (each with an id the answer repeats, and the dependencies the call may
 * use), `api-call` (a dependent calls the plugin's exported `api`, answered
 * by `done` too), `cancel` (an id's context aborts with the reason),
 * `host-result` (the answer to a `host-call`, `plugin-call` or
 * `plugin-execute`).
 * worker → host: `ready` (the module is imported and has an execute; with
 * the shape of its `api`) or `error` (it could not be loaded), `done` (the
 * answer to an id), `host-call` (`ctx.host.a.b(...args)` in the plugin),
 * `plugin-call` (`ctx.plugins.get(name).a.b(...args)`), `plugin-execute`
 * (`ctx.plugins.execute(name, init)`) and `plugin-cancel` (its signal
 * aborted), each naming the request (`call`) it belongs to, and `log`
 * (`ctx.log.info(...)`).
 */
import type { ContextPlugin } from '../plugin/context.js';
import type { ApiNode } from './host-api.js';
import type { WorkerModuleScheme } from './types.js';
import type { WireError } from './wire-error.js';
import type { WireRequest } from '../routes/wire.js';

/** The levels of ctx.log. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The hooks a loaded plugin defines besides execute, and the shape of its exported `api`. */
export interface PluginHooks {
  activate: boolean;
  deactivate: boolean;
  api?: ApiNode;
}

/** A declared dependency as a request carries it: its version and API shape, or why it cannot be used. */
export type WireDependency = { version: string; api?: ApiNode } | { error: WireError };

/** The dependencies one request may use, by name (only those the plugin declares). */
export type WireDependencies = Record<string, WireDependency>;

/** An answer: a value, or an error. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: WireError };

/** Messages the host sends to a worker. */
export type HostMessage =
  | {
      type: 'load';
      plugin: ContextPlugin;
      /** The shape of the host API (undefined: no API, ctx.host is undefined). */
      api?: ApiNode;
      integrity: string;
      bytes: Uint8Array;
      schemes: readonly WorkerModuleScheme[];
    }
  | {
      type: 'execute';
      id: number;
      values?: Record<string, unknown> | Map<string, unknown>;
      deadline?: number;
      label?: string;
      plugins?: WireDependencies;
    }
  | {
      type: 'fetch';
      id: number;
      request: WireRequest;
      label: string;
      params: Record<string, string>;
      /** The limit of the response body the worker sends back. */
      maxBodyBytes: number;
      deadline?: number;
      plugins?: WireDependencies;
    }
  | { type: 'activate'; id: number; state?: unknown; plugins?: WireDependencies }
  | { type: 'deactivate'; id: number; deadline: number; plugins?: WireDependencies }
  | { type: 'api-call'; id: number; path: string[]; args: unknown[] }
  | { type: 'cancel'; id: number; reason: WireError }
  | ({ type: 'host-result'; id: number } & Outcome);

/** Messages a worker sends to the host. */
export type WorkerMessage =
  | { type: 'ready'; hooks: PluginHooks }
  | { type: 'error'; error: WireError }
  | ({ type: 'done'; id: number } & Outcome)
  | { type: 'host-call'; id: number; path: string[]; args: unknown[] }
  | { type: 'plugin-call'; id: number; call: number; name: string; path: string[]; args: unknown[] }
  | {
      type: 'plugin-execute';
      id: number;
      call: number;
      name: string;
      values?: Record<string, unknown> | Map<string, unknown>;
      deadline?: number;
      label?: string;
    }
  | { type: 'plugin-cancel'; id: number; reason: WireError }
  | { type: 'log'; level: LogLevel; args: unknown[] };

/** The requests that get a `done` answer. */
export type RequestMessage = Extract<HostMessage, { type: 'execute' | 'fetch' | 'activate' | 'deactivate' | 'api-call' }>;

const LEVELS = new Set<string>(['debug', 'info', 'warn', 'error']);

/** True for a known log level. */
export function isLogLevel(level: unknown): level is LogLevel {
  return typeof level === 'string' && LEVELS.has(level);
}

/** True for an object with a string `type`: a message of this protocol, checked further by its handler. */
export function isMessage(data: unknown): data is { type: string } {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string';
}
