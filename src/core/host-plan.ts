/**
 * Load planning: resolves a plugin and, depth first, its `dependencies`
 * against the registry, and orders them so that every dependency comes
 * before the plugins that need it. A cycle is refused with a
 * DependencyCycleError that names it. Planning only reads documents, so it
 * never waits on another load in progress and cannot deadlock.
 */
import type { VersionEntry } from './document.js';
import semver from 'semver';
import { DependencyCycleError, ResolveError } from './errors.js';
import { parseManifest, type Manifest } from './manifest.js';
import type { PluginSource } from './host-source.js';
import { resolveVersion, type ResolveOptions } from './versions.js';

/** One plugin version to load, with the range it was asked for. */
export interface PlannedLoad {
  name: string;
  range: string;
  version: string;
  entry: VersionEntry;
  manifest: Manifest;
  /** True when the document came from the cache because the registry was down. */
  stale: boolean;
}

/**
 * Resolves `name@range` and its dependency tree; returns the loads in order
 * (dependencies first, the requested plugin last), each name once.
 * `isSatisfied(name, range)` lets the caller skip plugins it already has.
 */
export async function planLoad(
  source: PluginSource,
  name: string,
  range: string,
  options: ResolveOptions & { signal?: AbortSignal; isSatisfied: (name: string, range: string) => boolean },
): Promise<PlannedLoad[]> {
  const ordered: PlannedLoad[] = [];
  /** Each planned name with the version chosen and who asked for it with which range. */
  const planned = new Map<string, { version: string; range: string; by: string }>();

  /** Refuses a second dependent whose range the version already chosen for `current` does not satisfy. */
  function agree(current: string, currentRange: string, chain: string[]): void {
    const chosen = planned.get(current)!;
    if (!semver.validRange(currentRange) || semver.satisfies(chosen.version, currentRange, { includePrerelease: true })) return;
    const by = chain.at(-1) ?? 'the request';
    throw new ResolveError(
      `${current}: ${chosen.by} needs "${chosen.range}" (resolved to ${chosen.version}) but ${by} needs "${currentRange}"`,
      [chosen.version],
      { plugin: current },
    );
  }

  async function visit(current: string, currentRange: string, chain: string[]): Promise<void> {
    const loop = chain.indexOf(current);
    if (loop !== -1) {
      const cycle = [...chain.slice(loop), current];
      throw new DependencyCycleError(`dependency cycle: ${cycle.join(' -> ')}`, cycle, { plugin: chain[0] });
    }
    if (planned.has(current)) return agree(current, currentRange, chain);
    if (chain.length > 0 && options.isSatisfied(current, currentRange)) return;
    const { document, stale } = await source.document(current, options.signal);
    const resolved = resolveVersion(document, currentRange, options);
    const manifest = parseManifest(resolved.entry.manifest, { plugin: current, version: resolved.version });
    for (const [dependency, dependencyRange] of Object.entries(manifest.dependencies ?? {})) {
      await visit(dependency, dependencyRange, [...chain, current]);
    }
    if (planned.has(current)) return agree(current, currentRange, chain);
    planned.set(current, { version: resolved.version, range: currentRange, by: chain.at(-1) ?? 'the request' });
    ordered.push({ name: current, range: currentRange, version: resolved.version, entry: resolved.entry, manifest, stale });
  }

  await visit(name, range, []);
  return ordered;
}
