/**
 * The author-signature policy of a host (HostOptions `authorKeys`): which
 * pattern covers a plugin name, and the check the host applies to every
 * plugin of a load plan (verify.ts checkAuthorSignatures).
 */
import { checkAuthorSignatures, normalizeKeys, type AuthorSignedEntry, type TrustedKeyInput } from './verify.js';

/** Refuses a version without a valid author signature when `authorKeys` covers its name. */
export type AuthorCheck = (name: string, version: string, entry: AuthorSignedEntry) => Promise<void>;

/**
 * The pattern of `authorKeys` that covers `name`: the name itself, else its
 * `@scope/*`, else `*`; undefined when none does.
 */
export function authorPatternOf(authorKeys: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (Object.hasOwn(authorKeys, name)) return name;
  const scope = name.startsWith('@') && name.includes('/') ? `${name.slice(0, name.indexOf('/'))}/*` : undefined;
  if (scope !== undefined && Object.hasOwn(authorKeys, scope)) return scope;
  return Object.hasOwn(authorKeys, '*') ? '*' : undefined;
}

/**
 * The author-signature check of `authorKeys` (`{ "<name | @scope/* | *>": [publicKey] }`):
 * each plugin must be signed by a key of the pattern that covers its own
 * name (authorPatternOf: exact name, then scope, then `*`); a name no
 * pattern covers passes. The host applies it to every plugin of a load plan,
 * dependencies included, so a dependency of a covered plugin meets the
 * policy of its own name. A dependency that no pattern covers is vouched
 * for only by the signed `dependencies` of the plugin that needs it (its
 * name and range, not its code): add `*` to require signatures of all.
 */
export function createAuthorCheck(authorKeys: Readonly<Record<string, readonly TrustedKeyInput[]>>): AuthorCheck {
  const normalized = new Map<string, ReturnType<typeof normalizeKeys>>();
  return async (name, version, entry) => {
    const pattern = authorPatternOf(authorKeys, name);
    if (pattern === undefined) return;
    let keys = normalized.get(pattern);
    if (!keys) normalized.set(pattern, (keys = normalizeKeys(authorKeys[pattern]!)));
    await checkAuthorSignatures(name, version, entry, await keys);
  };
}
