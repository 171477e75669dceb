/**
 * Load planning: resolves a plugin and, depth first, its `dependencies`
 * against the registry, and orders them so that every dependency comes
 * before the plugins that need it. A cycle is refused with a
 * DependencyCycleError that names it. Planning only reads documents, so it
 * never waits on another load in progress and cannot deadlock. Manifests are
 * parsed on the read path (`{ strict: false }`): a version published before
 * the publish bounds (a long description, many maintainers) still loads.
 *
 * A plan is checked as a whole before anything of it is imported
 * (`fetchPlan`): planning verifies every document (signatures, expiry,
 * rollback, through the source's trust guard) and resolves only versions
 * whose `engines` the host satisfies; then the author policy is checked for
 * every plugin of the plan, and only then is every bundle fetched and
 * verified against its integrity. A plugin whose check fails stops the
 * load before a single module of the plan runs, so a dependency cannot run
 * on the word of a plugin that is then refused.
 *
 * A dependency that cannot be resolved is reported with the plugin and
 * version that asked for it: `app@1.0.0 requires md-render@^2: no version
 * matches (available: 0.1.0)`.
 */
import type { VersionEntry } from '../registry/index.js';
import * as semver from '../semver.js';
import { DependencyCycleError, isRegistryError, ResolveError } from '../errors/index.js';
import { parseManifest, type Manifest } from '../plugin/index.js';
import type { PluginSource } from './source.js';
import { resolveVersion, type ResolveOptions, type SkippedVersion } from '../plugin/index.js';

/** One plugin version to load, with the range it was asked for. */
export interface PlannedLoad {
  name: string;
  range: string;
  version: string;
  entry: VersionEntry;
  manifest: Manifest;
  /** True when the document came from the cache because the registry was down. */
  stale: boolean;
  /** True when the document was not cached before this load (FetchedDocument `unseen`). */
  unseen?: boolean;
  /** The plugin (`name@version`) whose dependencies asked for this one; absent for a requested plugin. */
  requestedBy?: string;
  /** Newer versions in the range that the host's version refused (`engines.host`). */
  skipped?: SkippedVersion[];
}

/** The most plugins one load plan may hold (a hostile registry could otherwise chain documents without end). */
export const MAX_PLAN_PLUGINS = 256;

/**
 * Resolves each of `wanted` (`[name, range]`, in order) and its dependency
 * tree into one plan; returns the loads in order (dependencies first, each
 * requested plugin after what it needs), each name once. `isSatisfied(name,
 * range)` lets the caller skip dependencies it already has (never a
 * requested plugin). `requestedBy` names the plugin whose dependencies
 * `wanted` are (a local bundle, a new version of an upgrade). Throws ResolveError for a plan of more than
 * MAX_PLAN_PLUGINS plugins.
 */
export async function planLoad(
  source: PluginSource,
  wanted: ReadonlyArray<readonly [name: string, range: string]>,
  options: ResolveOptions & { signal?: AbortSignal; isSatisfied: (name: string, range: string) => boolean },
): Promise<PlannedLoad[]> {
  const ordered: PlannedLoad[] = [];
  /** Each planned name with the version chosen and who asked for it with which range. */
  const planned = new Map<string, { version: string; range: string; by: string }>();
  /** The version chosen for each plugin being visited or planned, to name who asked. */
  const chosen = new Map<string, string>();
  const label = (name: string) => `${name}@${chosen.get(name)}`;

  /** Refuses a second dependent whose range the version already chosen for `current` does not satisfy. */
  function agree(current: string, currentRange: string, chain: string[]): void {
    const earlier = planned.get(current)!;
    if (!semver.validRange(currentRange) || semver.satisfies(earlier.version, currentRange, { includePrerelease: true })) return;
    const asker = chain.at(-1);
    const by = asker === undefined ? 'the request' : label(asker);
    throw new ResolveError(
      `${current}: ${earlier.by} needs "${earlier.range}" (resolved to ${earlier.version}) but ${by} needs "${currentRange}"`,
      [earlier.version],
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
    if (planned.size + chain.length >= MAX_PLAN_PLUGINS) {
      throw new ResolveError(`${chain[0] ?? current}: the load plan would hold more than ${MAX_PLAN_PLUGINS} plugins (at ${current})`, [], {
        plugin: chain[0] ?? current,
      });
    }
    const asker = chain.at(-1);
    const requestedBy = asker === undefined ? options.requestedBy : label(asker);
    const resolving = source.metrics.clock();
    const { document, stale, unseen } = await fetchDocument(current, currentRange, requestedBy);
    const resolved = resolveVersion(document, currentRange, { ...options, ...(requestedBy ? { requestedBy } : {}) });
    const manifest = parseManifest(resolved.entry.manifest, { plugin: current, version: resolved.version }, { strict: false });
    source.metrics.phase(current, 'resolve', resolving);
    chosen.set(current, resolved.version);
    for (const [dependency, dependencyRange] of Object.entries(manifest.dependencies ?? {})) {
      await visit(dependency, dependencyRange, [...chain, current]);
    }
    if (planned.has(current)) return agree(current, currentRange, chain);
    planned.set(current, { version: resolved.version, range: currentRange, by: requestedBy ?? 'the request' });
    ordered.push({
      name: current,
      range: currentRange,
      version: resolved.version,
      entry: resolved.entry,
      manifest,
      stale,
      ...(unseen ? { unseen } : {}),
      ...(requestedBy ? { requestedBy } : {}),
      ...(resolved.skipped ? { skipped: resolved.skipped } : {}),
    });
  }

  /** The document of `name`; a dependency the registry does not have is named with the plugin that asked for it. */
  async function fetchDocument(name: string, range: string, requestedBy: string | undefined) {
    try {
      return await source.document(name, options.signal);
    } catch (error) {
      if (requestedBy === undefined || !isRegistryError(error) || error.status !== 404) throw error;
      const where = source.registry ? ` on ${source.registry.url}` : '';
      throw new ResolveError(`${requestedBy} requires ${name}@${range}: ${name} is not published${where}`, [], { plugin: name, cause: error });
    }
  }

  for (const [name, range] of wanted) await visit(name, range, []);
  return ordered;
}

/** At most this many bundles of one plan are fetched at once. */
export const PLAN_FETCHES_AT_ONCE = 6;

/**
 * Checks a plan before anything of it is imported: the author policy of
 * every plugin first (no network), then every bundle, fetched (or taken
 * from the cache) and verified against its signed integrity, through
 * `bundle` (default: the source's), up to PLAN_FETCHES_AT_ONCE at a time;
 * the first failure stops it (fetches under way end, nothing new starts).
 * Returns the verified bytes per plugin name; the caller imports them in
 * plan order once all of them passed.
 */
export async function fetchPlan(
  source: PluginSource,
  plan: readonly PlannedLoad[],
  signal?: AbortSignal,
  bundle: (step: PlannedLoad) => Promise<Uint8Array> = (step) => source.bundle(step.name, step.version, step.entry, { signal, unseen: step.unseen }),
): Promise<Map<string, Uint8Array>> {
  for (const step of plan) await source.checkAuthor(step.name, step.version, step.entry);
  const bundles = new Map<string, Uint8Array>();
  let next = 0;
  let failed = false;
  const fetchInTurn = async (): Promise<void> => {
    while (!failed && next < plan.length) {
      const step = plan[next++]!;
      try {
        signal?.throwIfAborted();
        bundles.set(step.name, await bundle(step));
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PLAN_FETCHES_AT_ONCE, plan.length) }, fetchInTurn));
  return bundles;
}
