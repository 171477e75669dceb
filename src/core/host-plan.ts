/**
 * Load planning: resolves a plugin and, depth first, its `dependencies`
 * against the registry, and orders them so that every dependency comes
 * before the plugins that need it. A cycle is refused with a
 * DependencyCycleError that names it. Planning only reads documents, so it
 * never waits on another load in progress and cannot deadlock.
 */
import type { VersionEntry } from './document.js';
import { DependencyCycleError } from './errors.js';
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
  const planned = new Set<string>();

  async function visit(current: string, currentRange: string, chain: string[]): Promise<void> {
    const loop = chain.indexOf(current);
    if (loop !== -1) {
      const cycle = [...chain.slice(loop), current];
      throw new DependencyCycleError(`dependency cycle: ${cycle.join(' -> ')}`, cycle, { plugin: chain[0] });
    }
    if (planned.has(current)) return;
    if (chain.length > 0 && options.isSatisfied(current, currentRange)) return;
    const { document, stale } = await source.document(current, options.signal);
    const resolved = resolveVersion(document, currentRange, options);
    const manifest = parseManifest(resolved.entry.manifest, { plugin: current, version: resolved.version });
    for (const [dependency, dependencyRange] of Object.entries(manifest.dependencies ?? {})) {
      await visit(dependency, dependencyRange, [...chain, current]);
    }
    if (planned.has(current)) return;
    planned.add(current);
    ordered.push({ name: current, range: currentRange, version: resolved.version, entry: resolved.entry, manifest, stale });
  }

  await visit(name, range, []);
  return ordered;
}
