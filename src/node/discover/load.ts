/**
 * Loading of the plugins discovery found: each after its dependencies (found
 * in the same directory, else already in the host, else from the host's
 * registry), with dependency cycles and unsatisfied ranges reported as the
 * failure of the plugins concerned. One plugin's failure never stops the
 * others.
 */
import * as semver from '../../core/semver.js';
import { DependencyCycleError, PluginLoadError } from '../../core/errors/index.js';
import type { LoadedPlugin, PluginHost } from '../../core/host/index.js';
import { failure } from './failure.js';
import type { FoundPlugin, LoadDirFailure, LoadFoundResult } from './types.js';

/**
 * Loads the plugins of `targets` (names of `byName`), each after its
 * dependencies: a dependency that is also a target, or found here and not
 * loaded, is loaded from here first; else the version the host has is used;
 * else the registry's. Names in `replace` are reloaded over the version
 * serving (loadBundle with `replace`). Never throws for one plugin.
 */
export async function loadFound(
  host: PluginHost,
  base: string,
  byName: Map<string, FoundPlugin>,
  targets: ReadonlySet<string>,
  options: { signal?: AbortSignal; replace?: ReadonlySet<string> } = {},
): Promise<LoadFoundResult> {
  const cycles = findCycles(byName);
  const pending = new Map<string, Promise<LoadedPlugin>>();
  const fromHost = new WeakSet<object>();
  /** Loads a found plugin after its dependencies, once (the local graph has no cycles left, so no wait can deadlock). */
  function ensure(found: FoundPlugin): Promise<LoadedPlugin> {
    const name = found.parsed.name;
    let work = pending.get(name);
    if (!work) {
      work = (async () => {
        const cycle = cycles.get(name);
        if (cycle) {
          throw new DependencyCycleError(`${name}@${found.parsed.version}: dependency cycle ${cycle.join(' -> ')}`, cycle, {
            plugin: name,
            version: found.parsed.version,
          });
        }
        for (const [dependency, range] of Object.entries(found.parsed.dependencies ?? {})) {
          await ensureDependency(found, dependency, range);
        }
        options.signal?.throwIfAborted();
        const bundle = { manifest: found.manifest, bytes: found.bytes, location: found.location };
        return host.loadBundle(bundle, { replace: options.replace?.has(name) ?? false }).catch((error: unknown) => {
          if (typeof error === 'object' && error !== null) fromHost.add(error);
          throw error;
        });
      })();
      pending.set(name, work);
    }
    return work;
  }

  /** Makes `dependency` available at `range` for `found`: from here, from the host, or from the registry. */
  async function ensureDependency(found: FoundPlugin, dependency: string, range: string): Promise<void> {
    const id = `${found.parsed.name}@${found.parsed.version}`;
    const details = { plugin: found.parsed.name, version: found.parsed.version };
    const local = byName.get(dependency);
    let version: string;
    if (local && (targets.has(dependency) || !host.get(dependency))) {
      try {
        version = (await ensure(local)).version;
      } catch (error) {
        throw new PluginLoadError(`${id}: its dependency ${dependency} (${local.location}) failed to load`, { ...details, cause: error });
      }
    } else if (host.get(dependency)) {
      version = host.get(dependency)!.version;
    } else if (host.registry) {
      version = (await host.load(`${dependency}@${range}`, options.signal ? { signal: options.signal } : {})).version;
    } else {
      throw new PluginLoadError(`${id}: depends on ${dependency}@${range}, which is not in ${base} and no registry is configured`, details);
    }
    if (semver.validRange(range) && !semver.satisfies(version, range, { includePrerelease: true })) {
      throw new PluginLoadError(`${id}: depends on ${dependency}@${range}, but ${dependency}@${version} is loaded`, details);
    }
  }

  const loaded: LoadedPlugin[] = [];
  const failed: LoadDirFailure[] = [];
  const reported = new Set<string>();
  await Promise.all(
    [...targets].map((name) => {
      const found = byName.get(name)!;
      return ensure(found).then(
        (plugin) => void loaded.push(plugin),
        (error: unknown) => {
          failed.push(failure(found.location, error));
          if (typeof error === 'object' && error !== null && fromHost.has(error)) reported.add(found.location);
        },
      );
    }),
  );
  return { loaded, failed, reported };
}

/** Compares loaded plugins by the position of their location in `order` (discover's). */
export function inOrder(order: string[]): (a: LoadedPlugin, b: LoadedPlugin) => number {
  const rank = (plugin: LoadedPlugin) => order.indexOf(plugin.origin.kind === 'local' ? plugin.origin.location : '');
  return (a, b) => rank(a) - rank(b);
}

/** The plugins of `found` that sit on a cycle of local dependencies, each with its cycle (first name repeated last). */
function findCycles(found: Map<string, FoundPlugin>): Map<string, string[]> {
  const cycles = new Map<string, string[]>();
  const done = new Set<string>();
  const stack: string[] = [];
  function visit(name: string): void {
    const open = stack.indexOf(name);
    if (open !== -1) {
      const cycle = [...stack.slice(open), name];
      for (const member of stack.slice(open)) if (!cycles.has(member)) cycles.set(member, cycle);
      return;
    }
    if (done.has(name)) return;
    stack.push(name);
    for (const dependency of Object.keys(found.get(name)?.parsed.dependencies ?? {})) {
      if (found.has(dependency)) visit(dependency);
    }
    stack.pop();
    done.add(name);
  }
  for (const name of found.keys()) visit(name);
  return cycles;
}
