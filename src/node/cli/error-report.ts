/**
 * How the CLI reports a failed command: one terminal-safe line on stderr
 * (`plughub: <message>`, with `--debug` the stacks and causes), and under
 * `--json` also a JSON error object on stdout in the registry's shape,
 * `{ "error": { "code", "message", … } }`, carrying the plugin, version, URL
 * and registry status when the error knows them.
 */
import { isPlughubError, isRegistryError } from '../../core/errors/index.js';
import { terminalJson, terminalLine, terminalText } from './terminal-text.js';

/** The `error` member of a `--json` failure: a stable code, the message and what the error knows of where it happened. */
export interface JsonErrorBody {
  code: string;
  message: string;
  plugin?: string;
  version?: string;
  url?: string;
  /** The HTTP status a registry answered with. */
  status?: number;
  /** The `error.code` the registry sent. */
  serverCode?: string;
}

/** The error as printed on stderr: one terminal-safe line, or with `debug` the stacks and causes (line breaks kept). */
export function describeError(error: unknown, debug: boolean): string {
  if (debug) {
    const parts: string[] = [];
    let current: unknown = error;
    while (current !== undefined) {
      parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
      current = current instanceof Error ? current.cause : undefined;
      if (current !== undefined) parts.push('caused by:');
    }
    return terminalText(parts.join('\n'));
  }
  return terminalLine(error instanceof Error ? error.message : String(error));
}

/**
 * The JSON error body of `error`: a plughub error's code and details; any
 * other error (a bug, or a system error no command turned into a plughub
 * error) is `E_INTERNAL` with its message.
 *
 * @example jsonErrorBody(new UsageError('missing <name>')) // { code: 'E_USAGE', message: 'missing <name>' }
 */
export function jsonErrorBody(error: unknown): JsonErrorBody {
  if (!isPlughubError(error)) return { code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) };
  return {
    code: error.code,
    message: error.message,
    ...(error.plugin !== undefined ? { plugin: error.plugin } : {}),
    ...(error.version !== undefined ? { version: error.version } : {}),
    ...(error.url !== undefined ? { url: error.url } : {}),
    ...(isRegistryError(error) && error.status !== undefined ? { status: error.status } : {}),
    ...(isRegistryError(error) && error.serverCode !== undefined ? { serverCode: error.serverCode } : {}),
  };
}

/** `{ "error": … }` as printed under `--json`: indented like every `--json` answer, characters a terminal acts on escaped. */
export function jsonErrorText(error: unknown): string {
  return `${terminalJson(JSON.stringify({ error: jsonErrorBody(error) }, null, 2))}\n`;
}
