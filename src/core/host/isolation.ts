/**
 * Where a host runs each plugin: in its own realm (`none`) or in a worker
 * of its own (`worker`). `IsolationChoices` remembers the choice a `load`
 * made for a name, so that the plugin's upgrades and reloads keep it, and
 * `prepareInstance` builds the version accordingly: an in-process
 * PluginInstance or an IsolatedInstance behind the same surface.
 */
import type { Logger } from '../plugin/index.js';
import { UsageError, type PluginExecutionError } from '../errors/index.js';
import { preparePlugin } from './instance.js';
import type { PluginOrigin } from '../plugin/index.js';
import { IsolatedInstance } from '../isolation/index.js';
import type { DependencyLinks, InstanceMeter, Isolation, LoadedInstance, WorkerSpawner } from '../isolation/index.js';
import type { Manifest } from '../plugin/index.js';
import type { BlobCache, ModuleLoader } from '../ports.js';

/** The isolation chosen per plugin name, over a host-wide default. */
export class IsolationChoices {
  readonly #byName = new Map<string, Isolation>();
  readonly #fallback: Isolation;
  readonly #workers: WorkerSpawner | undefined;

  constructor(fallback: Isolation | undefined, workers: WorkerSpawner | undefined) {
    this.#fallback = fallback ?? 'none';
    this.#workers = workers;
  }

  /** Where `name` runs. */
  of(name: string): Isolation {
    return this.#byName.get(name) ?? this.#fallback;
  }

  /** Remembers where `name` runs; refuses an unknown mode and `worker` without a spawner. */
  choose(name: string, isolation: Isolation | undefined): void {
    if (isolation === undefined) return;
    if (isolation !== 'none' && isolation !== 'worker') {
      throw new UsageError(`${name}: isolation must be 'none' or 'worker', got ${JSON.stringify(isolation)}`);
    }
    if (isolation === 'worker') this.spawner(name);
    this.#byName.set(name, isolation);
  }

  /** Forgets the choice for `name` (after unload, or a load that failed). */
  forget(name: string): void {
    this.#byName.delete(name);
  }

  /** The worker spawner, or a UsageError saying how to get one. */
  spawner(id: string): WorkerSpawner {
    if (this.#workers) return this.#workers;
    throw new UsageError(
      `${id}: isolation 'worker' needs a worker spawner: use createPluginHost from plughub/node or plughub/browser, or pass workers to createHost`,
    );
  }
}

/** What prepareInstance needs: the version's bytes and where and how to run them. */
export interface PrepareInstanceInit<Api> {
  manifest: Manifest;
  integrity: string;
  bytes: Uint8Array;
  origin: PluginOrigin;
  isolation: Isolation;
  choices: IsolationChoices;
  cache: BlobCache;
  loader: ModuleLoader;
  api: Api;
  log: Logger;
  /** What `ctx.plugins` reaches (undefined: the plugin declares no dependencies). */
  links?: DependencyLinks;
  graceMs?: number;
  /** The body limit of a route call crossing to a worker. */
  maxRouteBodyBytes?: number;
  /** Route results in memory become PreparedResponses (HostOptions.preparedResponses). */
  preparedResponses?: boolean;
  onCrash: (error: PluginExecutionError) => void;
  /** Where the version's calls are counted. */
  meter?: InstanceMeter;
}

/**
 * Imports and checks one plugin version, in the host's realm or in a worker;
 * not yet active. `bytes` are already verified against `integrity` (see
 * preparePlugin), so neither path hashes them again.
 */
export async function prepareInstance<Api>(init: PrepareInstanceInit<Api>): Promise<LoadedInstance> {
  const { manifest, integrity, bytes, origin, api, log } = init;
  if (init.isolation === 'worker') {
    const instance = new IsolatedInstance<Api>({
      manifest,
      integrity,
      bytes,
      origin,
      spawner: init.choices.spawner(`${manifest.name}@${manifest.version}`),
      api,
      log,
      ...(init.links ? { links: init.links } : {}),
      ...(init.graceMs !== undefined ? { graceMs: init.graceMs } : {}),
      ...(init.maxRouteBodyBytes !== undefined ? { maxRouteBodyBytes: init.maxRouteBodyBytes } : {}),
      onCrash: init.onCrash,
      ...(init.meter ? { meter: init.meter } : {}),
    });
    await instance.start();
    return instance;
  }
  return preparePlugin<Api>({
    manifest,
    integrity,
    bytes,
    origin,
    cache: init.cache,
    loader: init.loader,
    api,
    log,
    ...(init.links ? { links: init.links } : {}),
    ...(init.meter ? { meter: init.meter } : {}),
    ...(init.preparedResponses ? { preparedResponses: true } : {}),
  });
}
