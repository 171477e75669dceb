/**
 * Token scopes: which plugin names a token may publish. A pattern is an
 * exact plugin name or a whole scope (`@acme/*`); admin tokens may publish
 * everything.
 */
import { validatePluginName } from '../../src/core/plugin/index.js';
import type { TokenScopes } from './types.js';

/** Why a publish pattern is unusable, or undefined when it is fine. */
export function describePublishPattern(pattern: string): string | undefined {
  if (pattern.endsWith('/*')) {
    const scope = pattern.slice(0, -2);
    if (!scope.startsWith('@') || scope.includes('/')) return `"${pattern}" must look like @scope/*`;
    const problem = validatePluginName(`${scope}/x`);
    return problem === undefined ? undefined : `"${pattern}": ${problem}`;
  }
  const problem = validatePluginName(pattern);
  return problem === undefined ? undefined : `"${pattern}" is not a plugin name: ${problem}`;
}

/** True when a token with these scopes may publish (and yank) `name`. */
export function mayPublish(scopes: TokenScopes, name: string): boolean {
  if (scopes.admin) return true;
  return scopes.publish.some((pattern) =>
    pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) && name.indexOf('/') === pattern.length - 2 : pattern === name,
  );
}

/** A short description of scopes, for `token list`: `admin`, or the patterns. */
export function describeScopes(scopes: TokenScopes): string {
  if (scopes.admin) return scopes.publish.length > 0 ? `admin, publish ${scopes.publish.join(' ')}` : 'admin';
  return scopes.publish.length > 0 ? `publish ${scopes.publish.join(' ')}` : '(none)';
}
