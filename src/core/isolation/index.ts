/**
 * Worker isolation: a plugin version that runs in a worker behind a message
 * protocol, with the host API proxied across and its calls cancelled by
 * signal. On the load path it owns import and execute when a host asks for
 * `isolation: 'worker'`; runtime-source.ts is the worker's bundled runtime
 * (built by scripts/build-worker-runtime.mjs).
 */
export type {
  CallDependencies,
  DependencyLinks,
  DependencyShape,
  InstanceMeter,
  IsolatedInstanceInit,
  IsolatedWorker,
  Isolation,
  LoadedInstance,
  RouteCall,
  WorkerModuleScheme,
  WorkerPort,
  WorkerSpawner,
} from './types.js';
export { callHostApi, describeHostApi, hostApiStubs, type ApiNode } from './host-api.js';
export { createIsolatedInstance, IsolatedInstance } from './isolated-instance.js';
export { CallContexts, raceContext, raceSignal } from './signals.js';
export { runPluginWorker } from './worker-runtime.js';
export { WORKER_RUNTIME_GLOBAL, WORKER_RUNTIME_SOURCE } from './runtime-source.js';
