/**
 * createHost and its parts: the table of loaded plugins, the load plan
 * (dependencies first), where bytes come from (cache or registry), loading
 * one version in-process or in a worker, swaps and upgrades, auto-update,
 * the API scope a host lends its plugins, and the host's events. It drives
 * the whole load path: load → resolve → fetch → verify → cache → import →
 * execute, calling the other folders for each step.
 */
export { createHost, type AutoUpdateOptions, type HostEvents, type HostOptions, type LoadedPlugin, type LocalBundle, type PluginHost } from './create.js';
export type { HostPhase, SwapReason, UpdatedPlugin, UpdateFailure, UpdateReport } from './types.js';
export { createApiScope, tracked, untracked, type ApiScope } from './api-scope.js';
export * from './events.js';
export type { CacheKind, CacheOutcome, ExecutionOutcome, LoadPhase } from './metrics.js';
export { LOAD_FAILURE_REASONS, loadFailureReason, type LoadFailureReason } from './failure-reason.js';
export { summarizePluginMetrics, type PluginMetricsSummary } from './metrics-summary.js';
