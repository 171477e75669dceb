/**
 * Publish tokens: what a token may do (its scopes), how a store keeps them
 * (only a SHA-256 hash of each token, never the token itself), and the one
 * method the registry needs from a store (`verify`).
 */

/** What a token allows. */
export interface TokenScopes {
  /** May publish and yank any plugin. */
  admin: boolean;
  /** Names the token may publish and yank: exact names (`hello`, `@acme/hello`) or whole scopes (`@acme/*`). */
  publish: string[];
}

/** A token as a store describes it: everything but the secret. */
export interface TokenInfo {
  id: string;
  scopes: TokenScopes;
  /** ISO 8601 time of creation. */
  createdAt: string;
}

/** A token as a store keeps it: the info plus the hex SHA-256 of the token. */
export interface TokenRecord extends TokenInfo {
  hash: string;
}

/** What the registry needs of a token store. */
export interface TokenVerifier {
  /** The token's info when the token is valid (compared in constant time), else undefined. */
  verify(token: string): Promise<TokenInfo | undefined>;
}

/** A token store the CLI can manage. */
export interface TokenStore extends TokenVerifier {
  /** Creates a token; the secret is returned here and never again. */
  create(scopes: TokenScopes): Promise<{ token: string; info: TokenInfo }>;
  /** Every token's info (never the secrets), oldest first. */
  list(): Promise<TokenInfo[]>;
  /** Removes a token; false when no token has that id. */
  revoke(id: string): Promise<boolean>;
}
