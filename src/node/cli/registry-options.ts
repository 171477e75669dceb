/**
 * The registry and token a command talks to: `--registry` / `--token` when
 * given, else PLUGHUB_REGISTRY / PLUGHUB_TOKEN from the environment. Also the
 * one-line explanation of a refused registry request, with a hint on what to
 * do for the statuses a plugin author meets (401, 403, 409, 413, 422).
 */
import { isRegistryError, RegistryError, UsageError } from '../../core/errors/index.js';
import { createRegistryClient, type RegistryClient } from '../../core/registry/index.js';
import type { CliIO } from './command.js';

/** The option definitions shared by commands that talk to a registry. */
export const registryOption = { registry: { type: 'string' } } as const;
/** The option definitions of commands that need a publish token. */
export const tokenOption = { token: { type: 'string' } } as const;

/** The registry URL from `--registry` or PLUGHUB_REGISTRY, or undefined when neither is set. */
export function optionalRegistryUrl(io: CliIO, flag: string | undefined): string | undefined {
  return flag?.trim() || io.env.PLUGHUB_REGISTRY?.trim() || undefined;
}

/** The registry URL from `--registry` or PLUGHUB_REGISTRY; throws UsageError naming both when neither is set. */
export function registryUrl(io: CliIO, flag: string | undefined): string {
  const url = optionalRegistryUrl(io, flag);
  if (!url) throw new UsageError('no registry given: pass --registry URL or set PLUGHUB_REGISTRY');
  return url;
}

/**
 * A registry client for the registry and token the flags or the environment
 * name (without a token the registry answers 401 to writes); `headers` go
 * with every request.
 */
export function registryClient(
  io: CliIO,
  flags: { registry?: string | undefined; token?: string | undefined },
  headers?: Record<string, string>,
): RegistryClient {
  const token = flags.token?.trim() || io.env.PLUGHUB_TOKEN?.trim();
  return createRegistryClient({ url: registryUrl(io, flags.registry), ...(token ? { token } : {}), ...(headers ? { headers } : {}) });
}

const HINTS: Record<number, string> = {
  401: "pass --token TOKEN or set PLUGHUB_TOKEN (the registry's admin creates one with: plughub token create --publish NAME --data DIR)",
  403: 'this token may not publish or yank that plugin',
  409: 'raise "version" in plugin.json to publish a new one',
  413: 'the package is larger than the registry accepts',
  422: 'the registry refused the package',
};

/**
 * A RegistryError with one of the statuses above, prefixed with the action
 * and followed by a hint (the registry's own message is kept); any other
 * error is returned unchanged.
 */
export function explainRegistryError(error: unknown, action: string): unknown {
  if (!isRegistryError(error) || error.status === undefined) return error;
  const hint = HINTS[error.status];
  if (!hint) return error;
  return new RegistryError(`${action}: ${error.message}; ${hint}`, {
    method: error.method,
    status: error.status,
    ...(error.serverCode !== undefined ? { serverCode: error.serverCode } : {}),
    ...(error.plugin !== undefined ? { plugin: error.plugin } : {}),
    ...(error.version !== undefined ? { version: error.version } : {}),
    ...(error.url !== undefined ? { url: error.url } : {}),
    cause: error,
  });
}
