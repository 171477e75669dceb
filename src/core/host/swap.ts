/**
 * Replacing one serving version of a plugin by another, for registry
 * upgrades and reloads of local bundles alike. The new version is imported
 * before anything changes. Then, under the name's lock and with new calls
 * held at the gate, the old version's `deactivate` hands its state to the new
 * one's `activate`, and the new one serves from then on: the held calls run
 * on it, calls already running finish on the old one, and the old one's
 * contexts are aborted (and what it registered through `ctx.host` released)
 * once it is idle or after the grace period. If `activate` fails, the old
 * version gets its state back through `activate` and keeps serving. A new
 * version that a loaded dependent's declared range refuses never swaps in,
 * nor one whose routes overlap another plugin's. The new version's routes
 * replace the old one's in the same step as the version (PluginTable.set):
 * a request matched the old routes runs on the old version to its end.
 */
import { createContext, type Logger } from '../plugin/index.js';
import type { ExecuteInit } from '../plugin/index.js';
import { raceSignal } from '../isolation/index.js';
import { NotLoadedError, PluginLoadError } from '../errors/index.js';
import type { Emitter } from './events.js';
import type { PluginEntry, PluginTable } from './table.js';
import type { HostEvents, LoadedPlugin, SwapReason } from './types.js';
import type { HostMetrics } from './metrics.js';
import type { ModuleLoader } from '../ports.js';

/** What swapping needs from the host. */
export interface SwapContext<Api> {
  table: PluginTable<Api>;
  events: Emitter<HostEvents>;
  log: Logger;
  loader: ModuleLoader;
  deactivateTimeoutMs: number;
  graceMs: number;
  metrics: HostMetrics;
}

/** What a retired version was, for the UnloadedError of the calls it refuses. */
function retiredAs(reason: SwapReason, next: PluginEntry<unknown>): string {
  return reason === 'upgrade' ? `upgraded to ${next.instance.version}` : `reloaded (now ${next.instance.id})`;
}

/**
 * Closes an entry for good: aborts its contexts, releases what it registered
 * through `ctx.host`, and lets the loader forget its module when no other
 * version uses it.
 */
export async function discard<Api>(context: SwapContext<Api>, entry: PluginEntry<Api>, why: string): Promise<void> {
  context.table.forget(entry);
  entry.instance.close(why);
  await entry.scope.release();
  await entry.instance.whenStopped?.();
  if (!context.table.uses(entry.instance.integrity)) context.loader.release?.(entry.instance.integrity);
}

/** Activates an entry with the state a previous version handed over; discards it when activate fails. */
export async function activate<Api>(context: SwapContext<Api>, entry: PluginEntry<Api>, view: LoadedPlugin, state?: unknown): Promise<void> {
  const started = Date.now();
  const activating = context.metrics.clock();
  try {
    await entry.instance.activate(state);
  } catch (error) {
    await discard(context, entry, 'not activated');
    throw error;
  }
  context.metrics.phase(entry.instance.name, 'activate', activating);
  context.events.emit('activated', { plugin: view, durationMs: Date.now() - started });
}

/**
 * Makes `next` serve in place of `expected` (see the module comment) and
 * returns it. Rejects, leaving `expected` serving, when `next` fails to
 * activate; rejects and discards `next` when `expected` no longer serves
 * (unloaded or replaced while `next` was prepared).
 */
export function swap<Api>(
  context: SwapContext<Api>,
  expected: PluginEntry<Api>,
  next: PluginEntry<Api>,
  reason: SwapReason,
  view: (entry: PluginEntry<Api>) => LoadedPlugin,
): Promise<PluginEntry<Api>> {
  const { table, events, log } = context;
  const { name } = expected.instance;
  return table.exclusive(name, async () => {
    const serving = table.get(name);
    if (serving !== expected) {
      await discard(context, next, 'not needed');
      const details = { plugin: name, version: expected.instance.version };
      if (!serving) throw new NotLoadedError(`${name} was unloaded before its ${reason} to ${next.instance.version} was ready`, details);
      throw new PluginLoadError(
        `${name}: ${serving.instance.id} replaced ${expected.instance.id} before the ${reason} to ${next.instance.version} was ready`,
        details,
      );
    }
    let releaseRoutes: () => void;
    try {
      table.refuseBreakingDependents(name, next.instance.version, reason);
      releaseRoutes = table.routes.claim(name, next.routes);
    } catch (error) {
      await discard(context, next, 'not needed');
      throw error;
    }
    const open = table.hold(name);
    try {
      let state: unknown;
      let handedOver = true;
      const started = Date.now();
      try {
        state = await expected.instance.deactivate(context.deactivateTimeoutMs);
        events.emit('deactivated', { name, version: expected.instance.version, durationMs: Date.now() - started });
      } catch (error) {
        handedOver = false;
        events.emit('error', { name, version: expected.instance.version, phase: 'deactivate', error });
      }
      try {
        await activate(context, next, view(next), state);
      } catch (error) {
        if (handedOver) {
          await expected.instance.activate(state).catch((restoreError: unknown) => log.error(`${expected.instance.id}: re-activation failed`, restoreError));
        }
        throw error;
      }
      table.set(name, next);
    } finally {
      releaseRoutes();
      open();
    }
    const why = retiredAs(reason, next);
    const retiredAt = Date.now();
    table.retire(expected, why);
    void expected.instance
      .idle(context.graceMs)
      .then(() => discard(context, expected, why))
      .then(() => events.emit('retired', { name, version: expected.instance.version, durationMs: Date.now() - retiredAt }));
    return next;
  });
}

/**
 * Runs a call that arrived while a handover holds its plugin's gate: the
 * call's deadline and signal count from now, also while it waits, and it
 * runs on whatever version serves once the gate opens.
 */
export async function executeAfter<T>(gate: Promise<void>, init: ExecuteInit, run: (init: ExecuteInit) => Promise<T>, label: string): Promise<T> {
  const waiting = createContext({
    ...(init.signal ? { signal: init.signal } : {}),
    ...(init.timeoutMs !== undefined ? { timeoutMs: init.timeoutMs } : {}),
    label,
  });
  try {
    await raceSignal(gate, waiting.signal);
    const remaining = waiting.deadline === undefined ? undefined : Math.max(0, waiting.deadline - Date.now());
    return await run({ ...init, signal: waiting.signal, ...(remaining !== undefined ? { timeoutMs: remaining } : {}) });
  } finally {
    waiting.cancel();
  }
}
