/**
 * Who may write: publish and yank need `Authorization: Bearer <token>` with a
 * token whose scopes cover the plugin name. A missing or unknown token is a
 * 401, a valid token for other names a 403.
 */
import { HttpError } from './http/errors.js';
import { requestHeader } from './http/request-header.js';
import { mayPublish } from './tokens/scopes.js';
import type { TokenInfo, TokenVerifier } from './tokens/types.js';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="plughub"' };

/** The token of a request; throws HttpError 401 when it is missing or not valid. */
export async function requireToken(request: Request, tokens: TokenVerifier): Promise<TokenInfo> {
  const header = requestHeader(request, 'authorization');
  if (header === null || header.trim() === '') {
    throw new HttpError(401, 'E_UNAUTHORIZED', 'this needs a token: send Authorization: Bearer <token>', { headers: CHALLENGE });
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const token = match === null ? undefined : await tokens.verify(match[1] ?? '');
  if (token === undefined) {
    throw new HttpError(401, 'E_UNAUTHORIZED', 'the token is not valid (mistyped, or revoked)', { headers: CHALLENGE });
  }
  return token;
}

/** Throws HttpError 403 unless the token may publish and yank `name`. */
export function requirePublishRight(token: TokenInfo, name: string): void {
  if (!mayPublish(token.scopes, name)) {
    throw new HttpError(403, 'E_FORBIDDEN', `token ${token.id} may not publish or yank ${name}`);
  }
}
