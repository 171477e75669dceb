/**
 * Errors across a worker boundary. Structured clone keeps only the message
 * (and the name of built-in error types) of an Error: a PlughubError's class,
 * code, plugin and version would be lost. `toWireError` turns any thrown
 * value into a plain object, `fromWireError` rebuilds it on the other side:
 * plughub errors as their own class (so `instanceof` and the `is…Error`
 * guards work), other errors as an Error with the same name, message and the
 * stack from the worker, and thrown primitives as themselves.
 */
import {
  CancelledError,
  DeadlineExceededError,
  NotLoadedError,
  PlughubError,
  PluginExecutionError,
  PluginLoadError,
  UnloadedError,
  UsageError,
  type ErrorDetails,
} from '../errors/index.js';

/** An error as it crosses the boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  plugin?: string;
  version?: string;
  url?: string;
  /** DeadlineExceededError's deadline. */
  deadline?: number;
  cause?: WireError;
  /** Set when what was thrown is not an Error but this primitive (a string, a number…). */
  thrown?: string | number | boolean | null;
  /** True when `undefined` was thrown. */
  undefinedThrown?: boolean;
}

/** How deep nested causes are kept. */
const MAX_CAUSES = 4;

type Rebuild = (message: string, details: ErrorDetails, wire: WireError) => PlughubError;

const CLASSES: Record<string, Rebuild> = {
  CancelledError: (message, details) => new CancelledError(message, details),
  DeadlineExceededError: (message, details, wire) => new DeadlineExceededError(message, wire.deadline ?? Date.now(), details),
  UnloadedError: (message, details) => new UnloadedError(message, details),
  PluginExecutionError: (message, details) => new PluginExecutionError(message, details),
  PluginLoadError: (message, details) => new PluginLoadError(message, details),
  UsageError: (message, details) => new UsageError(message, details),
  NotLoadedError: (message, details) => new NotLoadedError(message, details),
};

function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Turns anything thrown into a WireError. */
export function toWireError(error: unknown, depth = 0): WireError {
  if (error === undefined) return { name: 'Error', message: 'undefined', undefinedThrown: true };
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
    const thrown = typeof error === 'bigint' || typeof error === 'symbol' ? text(error) : (error as WireError['thrown']);
    return { name: 'Error', message: text(error), thrown };
  }
  const source = error as Record<string, unknown>;
  const wire: WireError = {
    name: typeof source.name === 'string' ? source.name : 'Error',
    message: typeof source.message === 'string' ? source.message : text(error),
  };
  if (typeof source.stack === 'string') wire.stack = source.stack;
  for (const key of ['code', 'plugin', 'version', 'url'] as const) {
    if (typeof source[key] === 'string') wire[key] = source[key] as string;
  }
  if (typeof source.deadline === 'number') wire.deadline = source.deadline;
  if (source.cause !== undefined && depth < MAX_CAUSES) wire.cause = toWireError(source.cause, depth + 1);
  return wire;
}

/** Rebuilds what `toWireError` described. */
export function fromWireError(wire: WireError): unknown {
  if (wire.undefinedThrown) return undefined;
  if (wire.thrown !== undefined) return wire.thrown;
  const details: ErrorDetails = {};
  if (wire.plugin !== undefined) details.plugin = wire.plugin;
  if (wire.version !== undefined) details.version = wire.version;
  if (wire.url !== undefined) details.url = wire.url;
  if (wire.cause !== undefined) details.cause = fromWireError(wire.cause);
  let error: Error;
  const rebuild = CLASSES[wire.name];
  if (rebuild) {
    error = rebuild(wire.message, details, wire);
  } else if (wire.code !== undefined) {
    // Another plughub error (or any error with a code): keep its name and code, so name-based guards still match.
    error = new PlughubError(wire.message, details, wire.code);
    error.name = wire.name;
  } else {
    error = new Error(wire.message, details.cause === undefined ? undefined : { cause: details.cause });
    error.name = wire.name;
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

/** A one-line description of a thrown value: `Name: message`. */
export function describeError(error: unknown): string {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return `${typeof name === 'string' ? name : 'Error'}: ${String(message)}`;
  }
  return text(error);
}
