/**
 * plugin.json, the manifest every plugin carries: a zod 4 schema that follows
 * the table in DESIGN.md, `parseManifest()` that reports every problem with
 * its JSON path in one ManifestError, and the helpers the CLI and the host use
 * for plugin names and `name@range` specs. Unknown top-level fields are kept
 * (forward compatible) but never interpreted; nested objects keep only the
 * fields this version knows. Every field is bounded (manifest-limits.ts):
 * the registry stores manifests and lists descriptions, hosts parse them.
 */
import semver from 'semver';
import * as z from 'zod';
import { ManifestError, UsageError, type ErrorDetails, type ManifestIssue } from './errors.js';
import { MANIFEST_FIELD_LIMITS as LIMITS, checkManifestShape, checkUnknownFields } from './manifest-limits.js';

export { MANIFEST_FIELD_LIMITS, MAX_MANIFEST_DEPTH, MAX_MANIFEST_JSON_BYTES, MAX_UNKNOWN_FIELDS_BYTES } from './manifest-limits.js';

const MAX_NAME_LENGTH = 214;
const NAME_PART = /^[a-z0-9\-._~]+$/;
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

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

/** Why a `source.path` is unusable, or undefined. */
function describeSourcePath(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path.includes('\\')) return 'must use "/" as separator, not "\\"';
  if (path.startsWith('/')) return 'must be a relative path, not an absolute one';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) return 'must be a relative path, not a URL or a drive path';
  if (path.includes('\0')) return 'must not contain NUL characters';
  const segments = path.split('/');
  if (segments.includes('..')) return 'must not contain ".." segments';
  if (segments.includes('')) return 'must not contain empty segments';
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** A string of at most `max` characters. */
function bounded(max: number) {
  return z.string().max(max, { error: `must be at most ${max} characters` });
}

const pluginName = z.string().superRefine((name, ctx) => {
  const reason = validatePluginName(name);
  if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
});

const semverRange = bounded(LIMITS.range).superRefine((range, ctx) => {
  if (range.length > LIMITS.range) return;
  if (range.trim().length === 0 || semver.validRange(range) === null) {
    ctx.addIssue({ code: 'custom', message: `"${range}" is not a valid semver range` });
  }
});

const versionString = z.string().superRefine((version, ctx) => {
  const valid = semver.valid(version);
  if (valid === null) {
    ctx.addIssue({ code: 'custom', message: `"${version}" is not a valid semver version (such as 1.2.3)` });
  } else if (version.includes('+')) {
    ctx.addIssue({ code: 'custom', message: `"${version}" must not carry build metadata (+…): write ${valid}` });
  } else if (valid !== version) {
    ctx.addIssue({ code: 'custom', message: `"${version}" must be written ${valid}` });
  }
});

const routeSchema = z.object({
  route: bounded(LIMITS.route).regex(/^\/\S*$/, { error: 'must start with "/" and contain no spaces' }),
  method: z
    .string()
    .transform((method) => method.toUpperCase())
    .pipe(z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` })),
  label: bounded(LIMITS.label).min(1, { error: 'must not be empty' }),
});

const httpServicesSchema = z
  .object({
    driver: bounded(LIMITS.label).min(1, { error: 'must not be empty' }).optional(),
    routes: z.array(routeSchema).max(LIMITS.routes, { error: `must hold at most ${LIMITS.routes} entries` }).optional(),
  })
  .refine((services) => !(Array.isArray(services.routes) && services.routes.length > 0) || !!services.driver, {
    error: 'is required when routes are present',
    path: ['driver'],
    // Run even when a route is invalid, so that every problem is reported at once.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

/** The zod schema of plugin.json (see DESIGN.md, "Plugin manifest"). */
export const manifestSchema = z.looseObject({
  name: pluginName,
  version: versionString,
  description: bounded(LIMITS.description).optional(),
  maintainers: z
    .array(bounded(LIMITS.maintainer).pipe(z.email({ error: 'must be an e-mail address' })))
    .max(LIMITS.maintainers, { error: `must hold at most ${LIMITS.maintainers} entries` })
    .optional(),
  home: bounded(LIMITS.home).refine(isHttpUrl, { error: 'must be an http(s) URL' }).optional(),
  license: bounded(LIMITS.license).min(1, { error: 'must not be empty' }).optional(),
  source: z.object({
    mode: z.literal('esm', { error: 'must be "esm"' }),
    path: bounded(LIMITS.sourcePath).superRefine((path, ctx) => {
      const reason = describeSourcePath(path);
      if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
    }),
  }),
  engines: z.object({ host: semverRange.optional() }).optional(),
  dependencies: z.record(z.string(), z.string()).superRefine((dependencies, ctx) => {
    const entries = Object.entries(dependencies);
    if (entries.length > LIMITS.dependencies) {
      ctx.addIssue({ code: 'custom', message: `must hold at most ${LIMITS.dependencies} entries` });
      return;
    }
    for (const [name, range] of entries) {
      const reason = validatePluginName(name);
      if (reason !== undefined) ctx.addIssue({ code: 'custom', message: `plugin name ${reason}`, path: [name] });
      if (range.length > LIMITS.range) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${LIMITS.range} characters`, path: [name] });
      } else if (range.trim().length === 0 || semver.validRange(range) === null) {
        ctx.addIssue({ code: 'custom', message: `"${range}" is not a valid semver range`, path: [name] });
      }
    }
  }).optional(),
  http_services: httpServicesSchema.optional(),
});

/** A valid plugin.json, as parseManifest returns it (HTTP methods uppercased). */
export type Manifest = z.output<typeof manifestSchema>;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(manifestSchema.shape));

/** `source.path` / `maintainers[1]` / `http_services.routes[0].method`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out.length === 0 ? '(root)' : out;
}

function toIssues(error: z.ZodError): ManifestIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

function field(input: unknown, key: string): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const value = (input as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The details, completed with the manifest's own name and version when those are valid. */
function identify(input: unknown, details: ErrorDetails): ErrorDetails {
  const known = { ...details };
  const name = field(input, 'name');
  const version = field(input, 'version');
  if (known.plugin === undefined && name !== undefined && validatePluginName(name) === undefined) known.plugin = name;
  if (known.version === undefined && known.plugin !== undefined && version !== undefined && semver.valid(version) === version) {
    known.version = version;
  }
  return known;
}

/**
 * Validates plugin.json. Throws ManifestError whose `issues` list every
 * problem with its JSON path, and whose message names them all, prefixed with
 * the plugin (from `details`, or the manifest's own valid name) when known.
 * A manifest that breaks a shape bound (nesting deeper than 16, a
 * `__proto__`, `constructor` or `prototype` key anywhere, more than 64 KiB
 * of JSON, more than 8 KiB of unknown fields) is refused with that one issue,
 * before the schema looks at it.
 *
 * @example parseManifest(JSON.parse(text), { url: 'file:///plugins/hello/plugin.json' })
 */
export function parseManifest(input: unknown, details: ErrorDetails = {}): Manifest {
  let issues: ManifestIssue[];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues = [{ path: '(root)', message: 'must be a JSON object' }];
  } else {
    const shape = checkManifestShape(input) ?? checkUnknownFields(input as Record<string, unknown>, KNOWN_FIELDS);
    issues = shape === undefined ? [] : [shape];
  }
  if (issues.length === 0) {
    const result = manifestSchema.safeParse(input, {
      error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined),
    });
    if (result.success) return result.data;
    issues = toIssues(result.error);
  }
  const known = identify(input, details);
  const who =
    known.plugin === undefined ? '' : known.version === undefined ? `${known.plugin}: ` : `${known.plugin}@${known.version}: `;
  const where = details.url === undefined ? '' : ` (${details.url})`;
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new ManifestError(`${who}plugin.json is invalid${where}: ${list}`, issues, known);
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
