/**
 * One loaded plugin version inside a host: its module, its definition, the
 * root context every call derives from, and the bookkeeping that lets an
 * upgrade or unload wait for calls in flight. Unloading aborts the root
 * context with an UnloadedError, so every context of the plugin aborts too.
 */
import { contextAbortState, createContext, prefixedLogger, type ExecuteInit, type Logger, type PluginContext } from '../plugin/index.js';
import { isPlughubError, PluginExecutionError, PluginLoadError, UnloadedError, type ErrorDetails } from '../errors/index.js';
import { InFlight } from '../plugin/index.js';
import { CallContexts, callHostApi, describeHostApi, raceContext, raceSignal, type ApiNode, type DependencyLinks, type RouteCall } from '../isolation/index.js';
import type { InstanceMeter } from '../isolation/index.js';
import { toResponse } from '../routes/index.js';
import { pluginFromModule } from '../plugin/index.js';
import type { BlobCache, ModuleLoader } from '../ports.js';
import type { Manifest } from '../plugin/index.js';
import type { PluginDefinition, PluginOrigin } from '../plugin/index.js';

/** A loaded plugin version: executes calls and tracks the ones in flight. */
export class PluginInstance<Api = unknown> {
  readonly isolation = 'none' as const;
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly manifest: Manifest;
  readonly origin: PluginOrigin;
  readonly loadedAt = Date.now();
  readonly #definition: PluginDefinition<Api>;
  readonly #root: PluginContext<Api>;
  readonly #calls: CallContexts<Api>;
  readonly #running = new InFlight();
  readonly #links: DependencyLinks | undefined;
  readonly #meter: InstanceMeter | undefined;
  readonly #prepared: boolean;
  #apiShape: { node: ApiNode | undefined } | undefined;

  constructor(init: {
    manifest: Manifest;
    integrity: string;
    definition: PluginDefinition<Api>;
    origin: PluginOrigin;
    api: Api;
    log: Logger;
    links?: DependencyLinks;
    meter?: InstanceMeter;
    /** Route results in memory become PreparedResponses (HostOptions.preparedResponses). */
    preparedResponses?: boolean;
  }) {
    this.manifest = init.manifest;
    this.name = init.manifest.name;
    this.version = init.manifest.version;
    this.integrity = init.integrity;
    this.origin = init.origin;
    this.#definition = init.definition;
    this.#root = createContext<Api>({ host: init.api, log: init.log, plugin: init.manifest });
    this.#links = init.links;
    this.#meter = init.meter;
    this.#prepared = init.preparedResponses === true;
    this.#calls = new CallContexts(this.#root, init.manifest, init.links);
  }

  /** The plugin's exported `api`, when it has one. */
  get exports(): object | undefined {
    return this.#definition.api;
  }

  /** The shape of the exported `api`, described once. */
  get apiShape(): ApiNode | undefined {
    this.#apiShape ??= { node: describeHostApi(this.#definition.api) };
    return this.#apiShape.node;
  }

  /** Calls a method of the exported `api` by path (a worker-isolated dependent's call), counted as a call in flight. */
  async callApi(path: string[], args: unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.closed) throw this.#root.signal.reason;
    const release = this.hold();
    try {
      const work = callHostApi(this.#definition.api, path, args);
      return await (signal ? raceSignal(work, signal) : work);
    } finally {
      release();
    }
  }

  /** Counts as a call in flight until the returned function is called (once). */
  hold(): () => void {
    return this.#running.hold();
  }

  /** `name@version`, for messages. */
  get id(): string {
    return `${this.name}@${this.version}`;
  }

  /** The number of calls currently running on this version. */
  get inFlight(): number {
    return this.#running.count;
  }

  /** True once the instance has been shut down. */
  get closed(): boolean {
    return contextAbortState(this.#root)?.aborted ?? this.#root.signal.aborted;
  }

  /**
   * Runs the plugin's execute with a fresh context. Resolves with its result;
   * rejects with the context's abort reason (cancel, deadline, unload) as soon
   * as the signal aborts, or with a PluginExecutionError wrapping what the
   * plugin threw.
   */
  execute<T = unknown>(init: ExecuteInit = {}): Promise<T> {
    return this.#meter ? this.#meter.execution(this.#execute<T>(init)) : this.#execute<T>(init);
  }

  async #execute<T>(init: ExecuteInit): Promise<T> {
    if (this.closed) throw this.#root.signal.reason;
    const { ctx, dispose } = this.#calls.open(init);
    this.#running.enter();
    try {
      const work = Promise.resolve().then(() => {
        ctx.throwIfAborted();
        return this.#definition.execute(ctx);
      });
      return (await raceContext(work, ctx)) as T;
    } catch (error) {
      throw this.#callFailure(ctx, 'execute', error);
    } finally {
      dispose();
      this.#running.leave();
    }
  }

  /**
   * Answers a request of one of the plugin's routes: its `fetch(request, ctx)`
   * when it has one, else `execute(ctx)`; the result becomes a Response
   * (routes/respond.ts). The call's context follows the request's signal,
   * read only once the plugin reads `ctx.signal` or the call is raced against
   * its context (the node:http bridge makes a request's signal on first read).
   */
  async fetch(request: Request, route: RouteCall): Promise<Response> {
    if (this.closed) throw this.#root.signal.reason;
    const values = { params: route.params, query: queryOf(request.url) };
    const init: ExecuteInit = { label: route.label, values, request };
    if (route.timeoutMs !== undefined) init.timeoutMs = route.timeoutMs;
    const { ctx, dispose } = this.#calls.open(init, request);
    this.#running.enter();
    try {
      // The plugin runs a step later, as execute's does, and is not raced when it answers at once: nothing can abort in between.
      await undefined;
      ctx.throwIfAborted();
      const handler = this.#definition.fetch;
      const value = handler ? handler(request, ctx) : this.#definition.execute(ctx);
      if (isPromiseLike(value)) return toResponse(await raceContext(Promise.resolve(value), ctx), this.#prepared);
      // A plugin that cancelled its own call (or whose request aborted) while it ran answers with the reason, as a race would.
      ctx.throwIfAborted();
      return toResponse(value, this.#prepared);
    } catch (error) {
      throw this.#callFailure(ctx, route.label, error);
    } finally {
      dispose();
      this.#running.leave();
    }
  }

  /** Calls the plugin's activate hook (if any) with the state handed over by a previous version. */
  async activate(state?: unknown): Promise<void> {
    if (!this.#definition.activate) return;
    const dependencies = this.#links?.open();
    const ctx = createContext<Api>({
      host: this.#root.host,
      log: this.#root.log,
      plugin: this.manifest,
      signal: this.#root.signal,
      ...(dependencies ? { plugins: dependencies.provider } : {}),
    });
    try {
      await this.#definition.activate(ctx, state);
    } catch (error) {
      throw this.#failure('activate', error);
    } finally {
      // The context lives as long as the version (the plugin may keep its signal); the dependencies only for the call.
      dependencies?.release();
    }
  }

  /** Resolves when no call is running, or after `graceMs`, whichever comes first. */
  idle(graceMs: number): Promise<void> {
    return this.#running.idle(graceMs);
  }

  /**
   * Calls the plugin's deactivate hook (if any) with a context of its own,
   * bounded by `timeoutMs`, and returns what it returned: the state handed to
   * the next version's activate on upgrade.
   */
  async deactivate(timeoutMs: number): Promise<unknown> {
    if (!this.#definition.deactivate) return undefined;
    const dependencies = this.#links?.open();
    const ctx = createContext<Api>({
      host: this.#root.host,
      log: this.#root.log,
      plugin: this.manifest,
      timeoutMs,
      label: 'deactivate',
      ...(dependencies ? { plugins: dependencies.provider } : {}),
    });
    try {
      return await raceSignal(
        Promise.resolve().then(() => this.#definition.deactivate!(ctx)),
        ctx.signal,
      );
    } catch (error) {
      throw this.#failure('deactivate', error);
    } finally {
      ctx.cancel();
      dependencies?.release();
    }
  }

  /** Aborts every context of this version with an UnloadedError saying why. */
  close(reason: string): void {
    if (this.closed) return;
    const error = new UnloadedError(`${this.id} was ${reason}`, { plugin: this.name, version: this.version });
    this.#calls.cancelAll(error);
  }

  /** What a call that failed rejects with: the context's abort reason once it aborted (unless the plugin threw a PlughubError of its own), else the error. */
  #callFailure(ctx: PluginContext<Api>, hook: string, error: unknown): unknown {
    const state = contextAbortState(ctx);
    const aborted = state ? state.aborted : ctx.signal.aborted;
    const reason = state ? state.reason : ctx.signal.reason;
    if (aborted && (error === reason || !isPlughubError(error))) return reason;
    if (isPlughubError(error)) return error;
    return this.#failure(hook, error);
  }

  #failure(hook: string, cause: unknown): PluginExecutionError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new PluginExecutionError(`${this.id}: ${hook} failed: ${reason}`, {
      plugin: this.name,
      version: this.version,
      cause,
    });
  }
}

/** True for a promise or any other thenable a plugin may return. */
function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * The query of a request URL as `new URL(url).searchParams` gives it,
 * without parsing the whole URL again (a Request's URL is already
 * serialized, so its query needs no further encoding).
 */
function queryOf(url: string): URLSearchParams {
  const start = url.indexOf('?');
  if (start < 0) return new URLSearchParams();
  const end = url.indexOf('#', start);
  return new URLSearchParams(end < 0 ? url.slice(start + 1) : url.slice(start + 1, end));
}

/**
 * Imports bytes through the loader (telling it the cache's URL for them
 * when it has one, BlobCache.urlOf) and checks the module's shape. The
 * bytes must already have been verified against `integrity` —
 * PluginSource.bundle returns them verified, and a local load computes
 * `integrity` from them — so they are not hashed again here. The returned
 * instance is not yet activated.
 */
export async function preparePlugin<Api>(init: {
  manifest: Manifest;
  integrity: string;
  bytes: Uint8Array;
  origin: PluginOrigin;
  cache: BlobCache;
  loader: ModuleLoader;
  api: Api;
  log: Logger;
  links?: DependencyLinks;
  meter?: InstanceMeter;
  preparedResponses?: boolean;
}): Promise<PluginInstance<Api>> {
  const { manifest, integrity, bytes } = init;
  const details: ErrorDetails = { plugin: manifest.name, version: manifest.version };
  const url = init.cache.urlOf?.(integrity);
  let namespace;
  try {
    namespace = await init.loader.import({ name: manifest.name, version: manifest.version, integrity, bytes, ...(url ? { url } : {}) });
  } catch (error) {
    if (error instanceof PluginLoadError) throw error;
    throw new PluginLoadError(`${manifest.name}@${manifest.version}: import failed: ${(error as Error).message}`, {
      ...details,
      cause: error,
    });
  }
  return new PluginInstance<Api>({
    manifest,
    integrity,
    definition: pluginFromModule(namespace, details),
    origin: init.origin,
    api: init.api,
    log: prefixedLogger(`${manifest.name}@${manifest.version}`, init.log),
    ...(init.links ? { links: init.links } : {}),
    ...(init.meter ? { meter: init.meter } : {}),
    ...(init.preparedResponses ? { preparedResponses: true } : {}),
  });
}
