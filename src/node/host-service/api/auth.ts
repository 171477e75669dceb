/**
 * Who may use the management API. The tokens are the registry's (the same
 * token directory format, managed with `plughub token --data DIR`, only
 * SHA-256 hashes kept, compared in constant time: registry-server/tokens/),
 * checked by the registry's `requireToken` (401 without a token or with one
 * that is not valid). Reads (GET) are open or need any valid token, as the
 * configuration says; every change (POST, DELETE) needs a token with the
 * `admin` scope (403 with another). Without a token directory no change is
 * accepted at all.
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
