/**
 * Watching a plugin directory (go-plugin's "monitor the plugin base dir"):
 * `watchDir(host, dir)` loads the directory like loadDir, then watches it
 * with one recursive node:fs watcher. Changes are debounced; after the
 * quiet time the directory is read again and compared with what it loaded:
 *
 * - a new folder or .plg is loaded (dependencies first);
 * - a plugin whose bundle or plugin.json changed is reloaded: the new bytes
 *   are imported as a new module and swapped in like an upgrade (deactivate
 *   hands its state to activate; calls in flight finish on the old version);
 * - a plugin whose folder or .plg is gone is unloaded;
 * - a plugin that can no longer be read, imported or activated (a broken
 *   edit) keeps its last good version serving, and the failure is reported
 *   once (again only when the reason changes). A failed reload is retried
 *   when its files change again; a plugin that never loaded is retried on
 *   every change in the directory, since what it lacked may have arrived.
 *
 * Each pass that changed or failed something is reported through `onChange`
 * and each failure the host did not already report through `onError` (the
 * Node host turns both into its `watch` and `error` events). To add a plugin
 * without a half-written state, write it elsewhere and rename it into `dir`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { computeIntegrity } from '../../core/integrity.js';
import type { HostEvents, LoadedPlugin, PluginHost } from '../../core/host/index.js';
import { failure } from './failure.js';
import { discover } from './find.js';
import { inOrder, loadFound } from './load.js';
import type { FoundPlugin, LoadDirFailure, LoadDirOptions, LoadDirResult, LoadFoundResult } from './types.js';

/** Options of a watching loadDir. */
export interface WatchOptions extends LoadDirOptions {
  /** Quiet time after the last change before the directory is read again (default 100 ms). */
  debounceMs?: number;
}

/** Where the reports of a watch go. */
export interface WatchHooks {
  onChange?(change: DirChange): void;
  onError?(event: HostEvents['error']): void;
}

/** What one pass over a watched directory changed, and what failed in it. */
export interface DirChange {
  dir: string;
  added: LoadedPlugin[];
  reloaded: Array<{ name: string; from: string; to: string; location: string; plugin: LoadedPlugin }>;
  removed: Array<{ name: string; version: string; location: string }>;
  failed: LoadDirFailure[];
  durationMs: number;
}

/** A watched directory: the first load's result, and the handle that stops watching. */
export interface WatchedDir extends LoadDirResult {
  readonly dir: string;
  /** Stops watching and waits for a pass in progress; the plugins stay loaded. */
  close(): Promise<void>;
}

/** What the watch loaded from one location. */
interface Owned {
  location: string;
  fingerprint: string;
}

/** The identity of a found plugin's content: its bundle's integrity and its plugin.json. */
async function fingerprintOf(found: FoundPlugin): Promise<string> {
  return `${await computeIntegrity(found.bytes, 'sha256')} ${JSON.stringify(found.manifest)}`;
}

function isOurs(plugin: LoadedPlugin | undefined, location: string): boolean {
  return plugin?.origin.kind === 'local' && plugin.origin.location === location;
}

/**
 * Loads `dir` into `host` and keeps it in step with the directory until
 * `close()`. Resolves with the first load's result once the watcher runs;
 * rejects when `dir` cannot be read or watched.
 *
 * @example
 * const watched = await watchDir(host, '/srv/plugins', { onChange: (c) => console.log(c), onError: (e) => console.warn(e.error) });
 * await watched.close();
 */
export async function watchDir(host: PluginHost, dir: string, options: WatchOptions & WatchHooks = {}): Promise<WatchedDir> {
  const base = resolve(dir);
  const debounceMs = options.debounceMs ?? 100;
  const owned = new Map<string, Owned>();
  /** The last failure reported per location, and the content of the last failed reload. */
  const reported = new Map<string, string>();
  const attempted = new Map<string, string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let closed = false;

  function reportError(failed: LoadDirFailure, name?: string): void {
    const { error } = failed;
    options.onError?.({
      name: error.plugin ?? name ?? failed.location,
      ...(error.version !== undefined ? { version: error.version } : {}),
      location: failed.location,
      phase: 'watch',
      error,
    });
  }

  function schedule(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  }

  function flush(): void {
    timer = undefined;
    if (running || closed || !dirty) return;
    dirty = false;
    running = pass()
      .catch((error: unknown) => reportError(failure(base, error)))
      .finally(() => {
        running = undefined;
        if (dirty && timer === undefined && !closed) schedule();
      });
  }

  /** Reads the directory again and brings the host in step with it. */
  async function pass(): Promise<void> {
    const started = Date.now();
    const { byName, failed: unreadable } = await discover(base, options);
    const failedAt = new Map(unreadable.map((f) => [f.location, f]));
    const change: DirChange = { dir: base, added: [], reloaded: [], removed: [], failed: [], durationMs: 0 };
    const conflicts: LoadDirFailure[] = [];

    for (const [name, record] of [...owned]) {
      if (byName.has(name) || failedAt.has(record.location)) continue;
      owned.delete(name);
      const serving = host.get(name);
      if (!isOurs(serving, record.location)) continue;
      await host.unload(name).then(
        () => change.removed.push({ name, version: serving!.version, location: record.location }),
        (error: unknown) => conflicts.push(failure(record.location, error)),
      );
    }

    const fingerprints = new Map<string, string>();
    const targets = new Set<string>();
    const replace = new Set<string>();
    for (const [name, found] of byName) {
      const fingerprint = await fingerprintOf(found);
      fingerprints.set(name, fingerprint);
      const record = owned.get(name);
      const serving = host.get(name);
      if (serving && !isOurs(serving, record?.location ?? found.location)) {
        owned.delete(name);
        const where = serving.origin.kind === 'local' ? serving.origin.location : 'the registry';
        const message = `${name}@${found.parsed.version}: ${name}@${serving.version} is already loaded from ${where}; unload it to load this one`;
        conflicts.push(failure(found.location, new Error(message)));
        continue;
      }
      if (record && record.fingerprint === fingerprint && record.location === found.location) continue;
      if (record && attempted.get(found.location) === fingerprint) continue;
      targets.add(name);
      if (serving) replace.add(name);
    }

    const before = new Map([...replace].map((name) => [name, host.get(name)!.version]));
    const result = await loadFound(host, base, byName, targets, { replace });
    for (const plugin of result.loaded) {
      const found = byName.get(plugin.name)!;
      owned.set(plugin.name, { location: found.location, fingerprint: fingerprints.get(plugin.name)! });
      attempted.delete(found.location);
      const from = before.get(plugin.name);
      if (from === undefined) change.added.push(plugin);
      else change.reloaded.push({ name: plugin.name, from, to: plugin.version, location: found.location, plugin });
    }
    const nameAt = new Map([...byName.values()].map((found) => [found.location, found.parsed.name]));
    for (const failed of result.failed) {
      const name = nameAt.get(failed.location);
      if (name !== undefined && owned.has(name)) attempted.set(failed.location, fingerprints.get(name)!);
    }

    const failures = [...unreadable, ...conflicts, ...result.failed];
    const failing = new Set(failures.map((f) => f.location));
    for (const location of [...reported.keys()]) if (!failing.has(location)) reported.delete(location);
    const ownedAt = new Map([...owned].map(([name, record]) => [record.location, name]));
    for (const failed of failures) {
      if (reported.get(failed.location) === failed.error.message) continue;
      reported.set(failed.location, failed.error.message);
      change.failed.push(failed);
      if (!result.reported.has(failed.location)) reportError(failed, ownedAt.get(failed.location));
    }
    change.durationMs = Date.now() - started;
    if (change.added.length + change.reloaded.length + change.removed.length + change.failed.length > 0) options.onChange?.(change);
  }

  const watcher: FSWatcher = watch(base, { recursive: true }, () => {
    if (closed) return;
    dirty = true;
    schedule();
  });
  watcher.on('error', (error: unknown) => reportError(failure(base, error)));

  let first: LoadFoundResult;
  let unreadable: LoadDirFailure[];
  let order: string[];
  try {
    const found = await discover(base, options);
    ({ failed: unreadable, order } = found);
    first = await loadFound(host, base, found.byName, new Set(found.byName.keys()), options.signal ? { signal: options.signal } : {});
    for (const plugin of first.loaded) {
      const entry = found.byName.get(plugin.name)!;
      owned.set(plugin.name, { location: entry.location, fingerprint: await fingerprintOf(entry) });
    }
  } catch (error) {
    closed = true;
    watcher.close();
    if (timer !== undefined) clearTimeout(timer);
    throw error;
  }
  const failed = [...unreadable, ...first.failed].sort((a, b) => a.location.localeCompare(b.location));
  for (const f of failed) reported.set(f.location, f.error.message);

  return {
    dir: base,
    loaded: first.loaded.sort(inOrder(order)),
    failed,
    async close() {
      closed = true;
      watcher.close();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
