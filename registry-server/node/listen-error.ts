/**
 * The error of a server that cannot listen: the address is in use by
 * another process (EADDRINUSE), the port needs privileges (EACCES), or the
 * host is not an address of this machine (EADDRNOTAVAIL). The message names
 * the address and says what to do; `systemCode` keeps Node's code, and the
 * system error is the `cause`.
 */
import { PlughubError, registerErrorName } from '../../src/core/errors/index.js';

/** A server could not listen on `host`:`port`; `systemCode` is Node's code, such as `EADDRINUSE`. */
export class ListenError extends PlughubError {
  override name = 'ListenError';
  readonly host: string;
  readonly port: number;
  readonly systemCode?: string;
  constructor(host: string, port: number, cause: unknown) {
    const systemCode = typeof (cause as { code?: unknown })?.code === 'string' ? (cause as { code: string }).code : undefined;
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    super(`cannot listen on ${address}: ${explain(systemCode, cause)}`, { cause, url: `http://${address}` }, 'E_LISTEN');
    this.host = host;
    this.port = port;
    if (systemCode !== undefined) this.systemCode = systemCode;
  }
}
registerErrorName('ListenError');

function explain(systemCode: string | undefined, cause: unknown): string {
  switch (systemCode) {
    case 'EADDRINUSE':
      return 'the address is in use by another process (EADDRINUSE): stop it, or choose another port (0 picks a free one)';
    case 'EACCES':
      return 'permission denied (EACCES): ports below 1024 need privileges; choose a higher port';
    case 'EADDRNOTAVAIL':
      return 'the host is not an address of this machine (EADDRNOTAVAIL)';
    default:
      return cause instanceof Error ? cause.message : String(cause);
  }
}

/** Type guard for ListenError. */
export function isListenError(error: unknown): error is ListenError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ListenError';
}
