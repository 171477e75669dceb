/**
 * Registry upgrades: `upgrade(name)` revalidates the plugin's document with
 * its ETag (a 304 costs no download), picks the newest version that the
 * range it was loaded with and the host's version both allow, loads that
 * version's checked plan (its dependencies and its own bundle, nothing
 * imported before all of it passed) and swaps it in (swap.ts). It never moves to a lower version. A failure at any step
 * leaves the old version serving and is sent as an `error` event.
 * `checkUpdates()` does that for every plugin loaded from the registry and
 * reports what moved and what failed, without throwing for one plugin.
 */
import * as semver from '../semver.js';
import { isNotLoadedError, NotLoadedError, PluginLoadError } from '../errors/index.js';
import type { PluginOrigin } from '../plugin/index.js';
import type { PlannedLoad } from './plan.js';
import type { PluginSource } from './source.js';
import { swap, type SwapContext } from './swap.js';
import type { PluginEntry } from './table.js';
import type { LoadedPlugin, UpdateReport } from './types.js';
import { parseManifest, type Manifest } from '../plugin/index.js';
import { resolveVersion, type ResolveOptions } from '../plugin/index.js';

/** What the updater needs from the host. */
export interface UpdaterContext<Api> extends SwapContext<Api> {
  source: PluginSource;
  resolveOptions: ResolveOptions;
  view(entry: PluginEntry<Api>): LoadedPlugin;
  /** Imports verified bytes into a new, not yet activated entry. */
  prepare(manifest: Manifest, integrity: string, bytes: Uint8Array, origin: PluginOrigin): Promise<PluginEntry<Api>>;
  /**
   * Checks the whole plan of the new version `step` (its author signature,
   * its bundle and the dependencies it needs), loads those dependencies and
   * resolves with the new version's verified bytes.
   */
  loadUpgrade(step: PlannedLoad, signal?: AbortSignal): Promise<Uint8Array>;
}

/** upgrade and checkUpdates of one host. */
export interface Updater {
  upgrade(name: string, options?: { signal?: AbortSignal }): Promise<LoadedPlugin>;
  checkUpdates(options?: { signal?: AbortSignal }): Promise<UpdateReport>;
}

/** Creates the updater of a host. */
export function createUpdater<Api>(context: UpdaterContext<Api>): Updater {
  const { table, events, source } = context;
  const running = new Map<string, Promise<LoadedPlugin>>();

  async function run(name: string, signal?: AbortSignal): Promise<LoadedPlugin> {
    const current = table.get(name);
    if (!current) throw new NotLoadedError(`${name} is not loaded`, { plugin: name });
    const { instance } = current;
    const origin = instance.origin;
    if (origin.kind !== 'registry') {
      throw new PluginLoadError(`${instance.id} was loaded from ${origin.location}, not a registry; load the new bundle instead`, {
        plugin: name,
        version: instance.version,
      });
    }
    const started = Date.now();
    const begun = source.metrics.clock();
    try {
      const { document } = await source.document(name, signal);
      const resolved = resolveVersion(document, origin.range, context.resolveOptions);
      if (!semver.gt(resolved.version, instance.version)) return context.view(current);
      source.metrics.phase(name, 'resolve', begun);
      table.refuseBreakingDependents(name, resolved.version, 'upgrade');
      const manifest = parseManifest(resolved.entry.manifest, { plugin: name, version: resolved.version }, { strict: false });
      if (resolved.skipped) {
        const skipped = resolved.skipped.map(({ version, reason }) => `${version} (${reason})`).join(', ');
        context.log.debug(`${name}@${origin.range}: skipped ${skipped}; upgrading to ${resolved.version}`);
      }
      events.emit('loading', { name, range: origin.range });
      const step = { name, range: origin.range, version: resolved.version, entry: resolved.entry, manifest, stale: false };
      const bytes = await context.loadUpgrade(step, signal);
      const next = await context.prepare(manifest, resolved.entry.dist.integrity, bytes, origin);
      const serving = await swap(context, current, next, 'upgrade', context.view);
      const plugin = context.view(serving);
      const skipped = resolved.skipped ? { skipped: resolved.skipped } : {};
      source.metrics.swapped(name, 'upgrade', begun);
      events.emit('upgraded', { name, from: instance.version, to: plugin.version, reason: 'upgrade', plugin, durationMs: Date.now() - started, ...skipped });
      return plugin;
    } catch (error) {
      source.metrics.failed(name, error, begun);
      events.emit('error', { name, version: instance.version, phase: 'upgrade', error });
      throw error;
    }
  }

  function upgrade(name: string, options: { signal?: AbortSignal } = {}): Promise<LoadedPlugin> {
    const pending = running.get(name);
    if (pending) return pending;
    const work = run(name, options.signal);
    running.set(name, work);
    const forget = () => running.delete(name);
    work.then(forget, forget);
    return work;
  }

  async function checkUpdates(options: { signal?: AbortSignal } = {}): Promise<UpdateReport> {
    const started = Date.now();
    const report: UpdateReport = { upgraded: [], failed: [] };
    const fromRegistry = table.entries().filter((entry) => entry.instance.origin.kind === 'registry');
    await Promise.all(
      fromRegistry.map(async ({ instance }) => {
        try {
          const now = await upgrade(instance.name, options);
          if (now.version !== instance.version) report.upgraded.push({ name: instance.name, from: instance.version, to: now.version });
        } catch (error) {
          // Unloaded while the check ran: nothing to report.
          if (isNotLoadedError(error) && !table.has(instance.name)) return;
          report.failed.push({ name: instance.name, version: table.get(instance.name)?.instance.version ?? instance.version, error });
        }
      }),
    );
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    report.upgraded.sort(byName);
    report.failed.sort(byName);
    events.emit('checked', { ...report, durationMs: Date.now() - started });
    return report;
  }

  return { upgrade, checkUpdates };
}
