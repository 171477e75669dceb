/**
 * The shapes a host hands out: the view of a loaded plugin and the payloads
 * of its lifecycle events (each with its duration in milliseconds).
 */
import type { ExecuteInit, PluginInstance, PluginOrigin } from './host-instance.js';
import type { Manifest } from './manifest.js';

/** A loaded plugin version as the host reports it; `execute` runs on that version. */
export interface LoadedPlugin {
  name: string;
  version: string;
  manifest: Manifest;
  integrity: string;
  origin: PluginOrigin;
  loadedAt: number;
  execute<T = unknown>(init?: ExecuteInit): Promise<T>;
}

/** Lifecycle events and their payloads. */
export interface HostEvents {
  loading: { name: string; range: string };
  activated: { plugin: LoadedPlugin; durationMs: number };
  loaded: { plugin: LoadedPlugin; durationMs: number };
  upgraded: { name: string; from: string; to: string; durationMs: number };
  deactivated: { name: string; version: string; durationMs: number };
  unloaded: { name: string; version: string; durationMs: number };
  error: { name: string; version?: string; phase: 'load' | 'upgrade' | 'unload'; error: unknown };
}

/** The view of an instance that callers get: its facts and an execute bound to it. */
export function viewOf(instance: PluginInstance<never> | PluginInstance<unknown>): LoadedPlugin {
  return {
    name: instance.name,
    version: instance.version,
    manifest: instance.manifest,
    integrity: instance.integrity,
    origin: instance.origin,
    loadedAt: instance.loadedAt,
    execute: (init) => instance.execute(init),
  };
}
