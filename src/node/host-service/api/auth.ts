/**
 * Who may use the management API. The tokens are the registry's (the same
 * token directory format, managed with `plughub token --data DIR`, only
 * SHA-256 hashes kept, compared in constant time: registry-server/tokens/),
 * checked by the registry's `requireToken` (401 without a token or with one
 * that is not valid). Reads (GET) are open or need any valid token, as the
 * configuration says; every change (POST, DELETE) needs a token with the
 * `admin` scope (403 with another). Without a token directory no change is
 * accepted at all. On a loopback address, a request must also be addressed
 * to a loopback name (its `Host`): a web page on another site that points
 * its own name at 127.0.0.1 (DNS rebinding) could otherwise read an open API.
 */
import { requireToken } from '../../../../registry-server/auth.js';
import type { TokenInfo, TokenVerifier } from '../../../../registry-server/tokens/types.js';
import { ApiError } from './errors.js';

/** How the API checks its callers. */
export interface ApiAccess {
  /** The token store, or undefined when no token directory is configured. */
  tokens: TokenVerifier | undefined;
  /** Whether reads need a token (`token`) or not (`open`). */
  readAccess: 'open' | 'token';
  /** The service listens on a loopback address: requests must name a loopback host. */
  loopbackOnly: boolean;
}

/** True for an address that only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** The host name of a `Host` header (`[::1]:8080` → `::1`, `localhost:8080` → `localhost`). */
function hostName(header: string): string {
  const trimmed = header.trim();
  if (trimmed.startsWith('[')) return trimmed.slice(1, trimmed.indexOf(']'));
  const colon = trimmed.lastIndexOf(':');
  return colon < 0 ? trimmed : trimmed.slice(0, colon);
}

/** Refuses (403 E_FORBIDDEN_HOST) a request to a loopback service that is not addressed to a loopback name. */
export function checkHost(request: Request, access: Pick<ApiAccess, 'loopbackOnly'>): void {
  if (!access.loopbackOnly) return;
  const header = request.headers.get('host') ?? new URL(request.url).host;
  if (isLoopback(hostName(header))) return;
  throw new ApiError(
    403,
    'E_FORBIDDEN_HOST',
    `requests for ${JSON.stringify(header.slice(0, 100))} are refused: the service listens on a loopback address and answers only requests addressed to localhost, 127.0.0.1 or [::1]`,
  );
}

/** True for the methods that only read (GET, HEAD). */
export function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * Checks the caller of `request`: nothing for an open read, a valid token for
 * a protected read, an admin token for a change. Throws the 401 or 403
 * ApiError (or the registry's HttpError) otherwise; resolves to the token
 * used, if any.
 */
export async function checkAccess(request: Request, access: ApiAccess): Promise<TokenInfo | undefined> {
  checkHost(request, access);
  const read = isRead(request.method);
  if (read && access.readAccess === 'open') return undefined;
  if (access.tokens === undefined) {
    throw new ApiError(
      401,
      'E_UNAUTHORIZED',
      'changes through the management API need an admin token, and this service has no token directory (api.tokens in plughub.host.json, or --api-tokens DIR)',
      { 'www-authenticate': 'Bearer realm="plughub"' },
    );
  }
  const token = await requireToken(request, access.tokens);
  if (!read && !token.scopes.admin) {
    throw new ApiError(
      403,
      'E_FORBIDDEN',
      `token ${token.id} may not change the plugin host: changes need a token with the admin scope (plughub token create --admin)`,
    );
  }
  return token;
}
