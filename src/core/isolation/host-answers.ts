/**
 * What a plugin's worker asks of the host, answered with `host-result`:
 * `ctx.host` calls (`host-call`), and `ctx.plugins` calls of the request
 * they belong to — a dependency's exported api (`plugin-call`) and its
 * entry (`plugin-execute`, aborted by `plugin-cancel`). A request's
 * dependencies (`CallLink`) are looked up when a message uses them, so a
 * message for a request that has been answered (or never was) is refused;
 * the names in it are checked again against the plugin's declared
 * dependencies on the host (host/dependencies.ts), since a plugin can forge
 * messages.
 */
import { UsageError, type ErrorDetails } from '../errors/index.js';
import { hostPath } from './host-api.js';
import type { HostMessage, Outcome, WireDependencies, WorkerMessage } from './protocol.js';
import type { CallDependencies } from './types.js';
import { describeError, fromWireError, toWireError } from './wire-error.js';

/** The host side of one request's call: its dependencies, signal and deadline, for the worker's ctx.plugins. */
export interface CallLink {
  dependencies: CallDependencies;
  signal: AbortSignal;
  deadline?: number | undefined;
}

/** The dependencies of a request as it carries them: each declared one's version and api shape, or why it cannot be used (cloneable). */
export function wireDependencies(dependencies: CallDependencies): WireDependencies {
  const wire: WireDependencies = {};
  for (const [name, shape] of Object.entries(dependencies.describe())) {
    wire[name] = 'error' in shape ? { error: toWireError(shape.error) } : shape;
  }
  return wire;
}

/** What HostAnswers needs from its session. */
export interface HostAnswersInit {
  /** `name@version`, for messages. */
  id: string;
  details: ErrorDetails;
  onHostCall(path: string[], args: unknown[]): Promise<unknown>;
  /** The link of request `call` while it runs. */
  linkOf(call: unknown): CallLink | undefined;
  /** Posts to the worker; throws the DataCloneError of a message that cannot be cloned. */
  send(message: HostMessage): void;
  /** True once the session has stopped (answers are dropped). */
  stopped(): boolean;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Answers the host calls of one worker session. */
export class HostAnswers {
  readonly #init: HostAnswersInit;
  /** Dependency executions the worker started, by id, so that `plugin-cancel` can abort them. */
  readonly #executions = new Map<number, AbortController>();

  constructor(init: HostAnswersInit) {
    this.#init = init;
  }

  /** Answers `message` when it is one of the host calls; false for any other message. */
  handle(message: WorkerMessage): boolean {
    if (message.type === 'host-call') {
      const { path, args } = message;
      void this.#answer(message.id, hostPath(path), () => this.#init.onHostCall(path, list(args)));
    } else if (message.type === 'plugin-call') {
      const { name, path, args } = message;
      void this.#answer(message.id, `ctx.plugins.get(${JSON.stringify(name)})`, () => {
        const link = this.#link(message.call);
        return link.dependencies.call(name, list(path) as string[], list(args), link.signal);
      });
    } else if (message.type === 'plugin-execute') {
      this.#execute(message);
    } else if (message.type === 'plugin-cancel') {
      this.#executions.get(message.id)?.abort(fromWireError(message.reason));
    } else {
      return false;
    }
    return true;
  }

  /** The link of request `call`: a UsageError when that request is not running. */
  #link(call: unknown): CallLink {
    const link = this.#init.linkOf(call);
    if (!link) throw new UsageError(`${this.#init.id}: ctx.plugins used outside a call that is running`, this.#init.details);
    return link;
  }

  #execute(message: Extract<WorkerMessage, { type: 'plugin-execute' }>): void {
    const { id, name } = message;
    const controller = new AbortController();
    this.#executions.set(id, controller);
    void this.#answer(id, `ctx.plugins.execute(${JSON.stringify(name)})`, async () => {
      try {
        const { dependencies, signal, deadline } = this.#link(message.call);
        const asked = typeof message.deadline === 'number' ? message.deadline : undefined;
        const earliest = deadline === undefined ? asked : asked === undefined ? deadline : Math.min(deadline, asked);
        const caller = { signal: AbortSignal.any([signal, controller.signal]), deadline: earliest };
        const init = {
          ...(message.values !== undefined ? { values: message.values } : {}),
          ...(typeof message.label === 'string' ? { label: message.label } : {}),
        };
        return await dependencies.provider.execute(name, init, caller);
      } finally {
        this.#executions.delete(id);
      }
    });
  }

  /** Runs a call the worker asked for and sends back its result or error; `what` names it in a clone error. */
  async #answer(id: number, what: string, run: () => Promise<unknown>): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = { ok: true, value: await run() };
    } catch (error) {
      outcome = { ok: false, error: toWireError(error) };
    }
    if (this.#init.stopped()) return;
    try {
      this.#init.send({ type: 'host-result', id, ...outcome });
    } catch (error) {
      const message = `${this.#init.id}: ${what} returned a value that cannot be sent to the worker (only structured-clone values cross): ${describeError(error)}`;
      try {
        this.#init.send({ type: 'host-result', id, ok: false, error: toWireError(new UsageError(message, this.#init.details)) });
      } catch {
        // A stopped worker drops it.
      }
    }
  }
}
