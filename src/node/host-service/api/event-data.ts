/**
 * The host's lifecycle events as the management API streams them: each
 * event's payload made plain JSON (a plugin as its name, version, isolation
 * and origin; an error as its code and message, never its stack).
 */
import type { NodeHostEvents } from '../../host.js';
import { errorView, pluginSummary } from './views.js';

/** The events the stream carries, in the order of a plugin's life. */
export const STREAMED_EVENTS = ['loading', 'activated', 'loaded', 'upgraded', 'deactivated', 'retired', 'unloaded', 'error', 'checked', 'watch'] as const;

/** The name of a streamed event. */
export type StreamedEvent = (typeof STREAMED_EVENTS)[number];

/** The JSON data of an event of the host. */
export function eventData<K extends StreamedEvent>(event: K, payload: NodeHostEvents[K]): Record<string, unknown> {
  switch (event) {
    case 'activated':
    case 'loaded': {
      const { plugin, ...rest } = payload as NodeHostEvents['loaded'];
      return { ...rest, plugin: pluginSummary(plugin) };
    }
    case 'upgraded': {
      const { plugin, ...rest } = payload as NodeHostEvents['upgraded'];
      return { ...rest, plugin: pluginSummary(plugin) };
    }
    case 'error': {
      const { error, ...rest } = payload as NodeHostEvents['error'];
      return { ...rest, error: errorView(error) };
    }
    case 'checked': {
      const { failed, ...rest } = payload as NodeHostEvents['checked'];
      return { ...rest, failed: failed.map(({ error, ...failure }) => ({ ...failure, error: errorView(error) })) };
    }
    case 'watch': {
      const change = payload as NodeHostEvents['watch'];
      return {
        dir: change.dir,
        added: change.added.map(pluginSummary),
        reloaded: change.reloaded.map(({ plugin: _plugin, ...entry }) => entry),
        removed: change.removed,
        failed: change.failed.map(({ location, error }) => ({ location, error: errorView(error) })),
        durationMs: change.durationMs,
      };
    }
    default:
      return { ...(payload as Record<string, unknown>) };
  }
}
