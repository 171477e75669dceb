/**
 * Plugin names and `name@range` specs: the rule every plugin name follows
 * (in plugin.json, as a dependency, in a spec) and the parser of the specs
 * the CLI and the host accept. Re-exported by manifest.ts.
 */
import * as semver from '../semver.js';
import { UsageError } from '../errors/index.js';

const MAX_NAME_LENGTH = 214;
const NAME_PART = /^[a-z0-9\-._~]+$/;

function describePart(part: string, what: string): string | undefined {
  if (part.length === 0) return `${what} must not be empty`;
  if (part.startsWith('.') || part.startsWith('_')) return `${what} must not start with "${part[0]}"`;
  if (!NAME_PART.test(part)) {
    const bad = [...new Set([...part].filter((c) => !/[a-z0-9\-._~]/.test(c)))].map((c) => `"${c}"`);
    return `${what} contains characters other than a-z 0-9 - . _ ~ (${bad.join(', ')})`;
  }
  if (!/^[a-z0-9]/.test(part)) return `${what} must start with a letter or digit`;
  if (!/[a-z0-9]$/.test(part)) return `${what} must end with a letter or digit`;
  return undefined;
}

/**
 * Says why a plugin name is invalid, or returns undefined for a valid one.
 * Valid names are lowercase, at most 214 characters, made of `a-z 0-9 - . _ ~`,
 * optionally scoped (`@scope/name`), and both the scope and the name start
 * and end with a letter or digit (so `hello.`, `hello-`, `~` are refused).
 *
 * @example validatePluginName('Hello') // 'must be lowercase'
 */
export function validatePluginName(name: string): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters (it has ${name.length})`;
  if (/\s/.test(name)) return 'must not contain spaces';
  if (name !== name.toLowerCase()) return 'must be lowercase';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    if (slash < 0) return 'a scoped name must look like @scope/name';
    const rest = name.slice(slash + 1);
    if (rest.includes('/')) return 'must contain at most one "/" (the one after the scope)';
    return describePart(name.slice(1, slash), 'scope') ?? describePart(rest, 'name after the scope');
  }
  if (name.includes('/')) return 'only a scoped name (@scope/name) may contain "/"';
  return describePart(name, 'name');
}

/**
 * Splits a `name@range` spec: `hello`, `hello@^1.2`, `@acme/hello@latest`.
 * The range defaults to `latest`; it may be a semver range or a dist-tag.
 * Throws UsageError naming the spec when the name or range is unusable.
 */
export function parsePluginSpec(spec: string): { name: string; range: string } {
  const text = typeof spec === 'string' ? spec.trim() : '';
  const at = text.indexOf('@', text.startsWith('@') ? 1 : 0);
  const name = at < 0 ? text : text.slice(0, at);
  const range = at < 0 ? 'latest' : text.slice(at + 1).trim();
  const reason = validatePluginName(name);
  if (reason !== undefined) {
    throw new UsageError(`invalid plugin spec "${String(spec)}": plugin name ${reason}`);
  }
  if (range.length === 0) {
    throw new UsageError(`invalid plugin spec "${spec}": nothing after "@" (give a range, a version or a tag)`, {
      plugin: name,
    });
  }
  if (semver.validRange(range) === null && !/^[A-Za-z][A-Za-z0-9._-]*$/.test(range)) {
    throw new UsageError(`invalid plugin spec "${spec}": "${range}" is neither a semver range nor a dist-tag`, {
      plugin: name,
    });
  }
  return { name, range };
}
