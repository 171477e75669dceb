/**
 * The `metrics` of each plugin the management API lists: its version's
 * figures from the host's metrics (calls, errors, p50/p99, routes, loads,
 * heap). One snapshot serves every plugin of one answer: it is taken on the
 * first plugin and dropped when the answer's synchronous step ends.
 */
import { summarizePluginMetrics, type MetricsSnapshot } from '../../../core/index.js';
import type { NodePluginHost } from '../../host.js';
import type { PluginMetricsSource } from './views.js';

/** The API's metrics source over `host.metrics()`. */
export function pluginMetricsOf(host: NodePluginHost): PluginMetricsSource {
  let snapshot: MetricsSnapshot | undefined;
  return (name, version) => {
    if (snapshot === undefined) {
      snapshot = host.metrics();
      queueMicrotask(() => {
        snapshot = undefined;
      });
    }
    return summarizePluginMetrics(snapshot, name, version);
  };
}
