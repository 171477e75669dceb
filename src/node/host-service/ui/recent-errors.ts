/**
 * The host's recent errors as the management page shows them: a bounded
 * ring of the host's `error` events (plugin, version, phase, code and
 * message, the message cut to a bounded length), newest first.
 */
import type { NodePluginHost } from '../../host.js';
import { errorView } from '../api/views.js';

/** One error the host reported. */
export interface RecentError {
  /** When it was reported (ISO 8601). */
  at: string;
  name: string;
  version?: string;
  phase: string;
  code: string;
  message: string;
}

/** How many errors are kept by default. */
export const DEFAULT_RECENT_ERRORS = 50;

/** The longest message kept, in characters. */
const MAX_MESSAGE = 2000;

/** The last `limit` errors of a host, followed from its `error` events. */
export class RecentErrors {
  readonly #entries: RecentError[] = [];
  readonly #limit: number;
  readonly #off: () => void;

  constructor(host: Pick<NodePluginHost, 'on'>, limit = DEFAULT_RECENT_ERRORS) {
    this.#limit = limit;
    this.#off = host.on('error', (event) => {
      const { code, message } = errorView(event.error);
      this.#entries.push({
        at: new Date().toISOString(),
        name: event.name,
        ...(event.version !== undefined ? { version: event.version } : {}),
        phase: event.phase,
        code,
        message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
      });
      if (this.#entries.length > this.#limit) this.#entries.shift();
    });
  }

  /** The errors kept, newest first. */
  list(): RecentError[] {
    return [...this.#entries].reverse();
  }

  /** Stops following the host. */
  close(): void {
    this.#off();
  }
}
