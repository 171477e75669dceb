/**
 * The host's table of plugins: the version serving each name, with the API
 * scope handed to it, and the coordination that keeps changes atomic —
 * a per-name lock that serializes loads, swaps and unloads of one name, a
 * gate that holds new calls while a swap hands state over (they then run on
 * whichever version serves), and the set of retired versions still finishing
 * their calls after an upgrade or reload. The routes of the serving
 * versions (`routes`) change in the same step as the version serving a name.
 */
import * as semver from '../semver.js';
import { PluginLoadError } from '../errors/index.js';
import type { ApiScope } from './api-scope.js';
import type { LoadedInstance } from '../isolation/index.js';
import type { VersionMeter } from './metrics.js';
import { RouteTable, type PluginRoutes } from '../routes/index.js';

/** A loaded version, the `ctx.host` scope it was given, its HTTP routes (compiled at load) and where its calls are counted. */
export interface PluginEntry<Api = unknown> {
  readonly instance: LoadedInstance;
  readonly scope: ApiScope<Api>;
  readonly routes: PluginRoutes;
  readonly meter?: VersionMeter;
}

/** Which versions serve, which are retiring, and the per-name locks and gates. */
export class PluginTable<Api = unknown> {
  readonly #serving = new Map<string, PluginEntry<Api>>();
  readonly #retiring = new Set<PluginEntry<Api>>();
  readonly #retired = new WeakMap<LoadedInstance, string>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #gates = new Map<string, Promise<void>>();
  /** The HTTP routes of the serving versions; `set` and `delete` keep it in step. */
  readonly routes = new RouteTable<PluginEntry<Api>>();

  get(name: string): PluginEntry<Api> | undefined {
    return this.#serving.get(name);
  }

  has(name: string): boolean {
    return this.#serving.has(name);
  }

  /** Makes `entry` serve `name`, its routes replacing the previous version's in the same step. */
  set(name: string, entry: PluginEntry<Api>): void {
    this.#serving.set(name, entry);
    this.routes.serve(name, entry.routes, entry);
  }

  /** Stops serving `name` and its routes. */
  delete(name: string): void {
    this.#serving.delete(name);
    this.routes.remove(name);
  }

  /** True when a version of `name` serves and satisfies `range` (any version, for a dist-tag). */
  satisfies(name: string, range: string): boolean {
    const current = this.#serving.get(name);
    if (!current) return false;
    if (!semver.validRange(range)) return true;
    return semver.satisfies(current.instance.version, range, { includePrerelease: true });
  }

  /**
   * The error of a load of `name@range` refused because the version serving
   * `name` does not satisfy it; `requestedBy` (`name@version`) is the
   * plugin whose dependencies asked for it.
   */
  conflict(name: string, range: string, requestedBy?: string): PluginLoadError {
    const current = this.#serving.get(name)!.instance;
    const subject = requestedBy === undefined ? `${name}@${range}` : `${requestedBy} requires ${name}@${range}`;
    return new PluginLoadError(`${subject}: ${current.id} is already loaded and does not satisfy "${range}" (unload it or call upgrade)`, {
      plugin: name,
      version: current.version,
    });
  }

  /**
   * Refuses to let `version` serve `name` (an upgrade or a reload) while a
   * serving plugin declares `name` with a range that `version` does not
   * satisfy: a PluginLoadError naming each such dependent and its range.
   */
  refuseBreakingDependents(name: string, version: string, what: string): void {
    const broken = this.entries().filter(({ instance }) => {
      const range = instance.name === name ? undefined : instance.manifest.dependencies?.[name];
      return range !== undefined && semver.validRange(range) !== null && !semver.satisfies(version, range, { includePrerelease: true });
    });
    if (broken.length === 0) return;
    const needs = broken.map(({ instance }) => `${instance.id} requires ${name}@${instance.manifest.dependencies![name]}`).join(', ');
    const current = this.#serving.get(name)?.instance;
    throw new PluginLoadError(
      `${name}: the ${what} to ${version} is refused: ${needs}; unload ${broken.length === 1 ? 'that plugin' : 'those plugins'} or upgrade ${broken.length === 1 ? 'it' : 'them'} to versions that accept ${name}@${version} first`,
      { plugin: name, ...(current ? { version: current.version } : {}) },
    );
  }

  names(): string[] {
    return [...this.#serving.keys()];
  }

  entries(): PluginEntry<Api>[] {
    return [...this.#serving.values()];
  }

  /** The serving plugins that declare `name` among their dependencies. */
  dependentsOf(name: string): string[] {
    return this.entries()
      .filter((entry) => entry.instance.name !== name && entry.instance.manifest.dependencies?.[name] !== undefined)
      .map((entry) => entry.instance.name);
  }

  /** True when some serving or retiring version runs the module of `integrity`. */
  uses(integrity: string): boolean {
    for (const entry of [...this.#serving.values(), ...this.#retiring]) {
      if (entry.instance.integrity === integrity) return true;
    }
    return false;
  }

  /**
   * Runs `work` after every earlier `exclusive` work of `name` has settled, so
   * that changes to one name never interleave. `work` must not wait for
   * another exclusive work of the same name.
   */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const run = previous.then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(name, tail);
    void tail.then(() => {
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    });
    return run;
  }

  /** Holds new calls of `name` until the returned function is called. */
  hold(name: string): () => void {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    this.#gates.set(name, gate);
    return () => {
      if (this.#gates.get(name) === gate) this.#gates.delete(name);
      open();
    };
  }

  /** The gate new calls of `name` must wait for, when a swap is handing over. */
  gate(name: string): Promise<void> | undefined {
    return this.#gates.get(name);
  }

  /** Marks `entry` as replaced: new calls through its view are refused with `reason`; it waits in the retiring set. */
  retire(entry: PluginEntry<Api>, reason: string): void {
    this.#retired.set(entry.instance, reason);
    this.#retiring.add(entry);
  }

  /** Why `instance` no longer takes calls, when it was replaced. */
  retiredBecause(instance: LoadedInstance): string | undefined {
    return this.#retired.get(instance);
  }

  /** Forgets a retired entry once it has been closed. */
  forget(entry: PluginEntry<Api>): void {
    this.#retiring.delete(entry);
  }

  /** The retired versions that still finish calls. */
  retiring(): PluginEntry<Api>[] {
    return [...this.#retiring];
  }
}
