/**
 * The loggers a host hands plugins as `ctx.log`: one that drops everything,
 * and one that tags every message with the plugin it comes from.
 */
import type { Logger } from './context.js';

const noop = (): void => {};

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * A logger that puts `[prefix]` before every message and hands it to `sink`.
 * @example prefixedLogger('hello@1.2.0').info('ready') // console.info('[hello@1.2.0]', 'ready')
 */
export function prefixedLogger(prefix: string, sink: Logger = console): Logger {
  const tag = `[${prefix}]`;
  return {
    debug: (...args) => sink.debug(tag, ...args),
    info: (...args) => sink.info(tag, ...args),
    warn: (...args) => sink.warn(tag, ...args),
    error: (...args) => sink.error(tag, ...args),
  };
}
