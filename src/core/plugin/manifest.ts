/**
 * plugin.json, the manifest every plugin carries: a zod/mini schema that follows
 * the table in docs/design.md, `parseManifest()` that reports every problem with
 * its JSON path in one ManifestError, and (from name.ts) the helpers
 * the CLI and the host use for plugin names and `name@range` specs. Unknown
 * top-level fields are kept (forward compatible) but never interpreted;
 * nested objects keep only the fields this version knows. Every field is
 * bounded (manifest-limits.ts) when a manifest is packed or published: the
 * registry stores manifests and lists descriptions. A host reading a
 * manifest (`{ strict: false }`) checks only what keeps it safe, so versions
 * published before the bounds load.
 */
import * as semver from '../semver.js';
import * as z from 'zod/mini';
import { ManifestError, type ErrorDetails, type ManifestIssue } from '../errors/index.js';
import { MANIFEST_FIELD_LIMITS, MANIFEST_READ_LIMITS, MAX_MANIFEST_JSON_BYTES, checkManifestShape, checkUnknownFields } from './manifest-limits.js';
import { englishMessage } from '../zod.js';
import { validatePluginName } from './name.js';

export { parsePluginSpec, validatePluginName } from './name.js';
export {
  MANIFEST_FIELD_LIMITS,
  MANIFEST_READ_LIMITS,
  MAX_MANIFEST_DEPTH,
  MAX_MANIFEST_JSON_BYTES,
  MAX_UNKNOWN_FIELDS_BYTES,
} from './manifest-limits.js';

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

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

/** The schemes a built-from repository may have (`origin.url`). */
const ORIGIN_PROTOCOLS = new Set(['https:', 'http:', 'ssh:', 'git:', 'file:']);

/** Why an `origin.url` is unusable, or undefined: it must be a repository URL with no password, no user for http(s), no query or fragment. */
function describeOriginUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (!ORIGIN_PROTOCOLS.has(url.protocol)) return `must be an https, http, ssh, git or file URL, not ${url.protocol}`;
  if (url.password !== '' || ((url.protocol === 'https:' || url.protocol === 'http:') && url.username !== '')) return 'must not carry credentials';
  if (url.search !== '' || url.hash !== '') return 'must not carry a query or a fragment';
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

/** Field bounds a schema is built with: characters, or entries for lists; Infinity for none. */
type FieldLimits = { readonly [K in keyof typeof MANIFEST_FIELD_LIMITS]: number };

/** The read path's field bounds: MANIFEST_READ_LIMITS for what a host acts on, none for the rest. */
const READ_FIELD_LIMITS: FieldLimits = {
  ...Object.fromEntries(Object.keys(MANIFEST_FIELD_LIMITS).map((key) => [key, Number.POSITIVE_INFINITY])),
  range: MANIFEST_READ_LIMITS.range,
  sourcePath: MANIFEST_READ_LIMITS.sourcePath,
  dependencies: MANIFEST_READ_LIMITS.dependencies,
} as FieldLimits;

/** A string of at most `max` characters (any string when `max` is Infinity). */
function bounded(max: number) {
  return Number.isFinite(max) ? z.string().check(z.maxLength(max, { error: `must be at most ${max} characters` })) : z.string();
}

/** An array of at most `max` entries of `item` (any number when `max` is Infinity). */
function boundedArray<T extends z.core.SomeType>(item: T, max: number) {
  return Number.isFinite(max) ? z.array(item).check(z.maxLength(max, { error: `must hold at most ${max} entries` })) : z.array(item);
}

const pluginName = z.string().check(
  z.superRefine((name, ctx) => {
    const reason = validatePluginName(name);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  }),
);

const versionString = z.string().check(
  z.superRefine((version, ctx) => {
    const valid = semver.valid(version);
    if (valid === null) {
      ctx.addIssue({ code: 'custom', message: `"${version}" is not a valid semver version (such as 1.2.3)` });
    } else if (version.includes('+')) {
      ctx.addIssue({ code: 'custom', message: `"${version}" must not carry build metadata (+…): write ${valid}` });
    } else if (valid !== version) {
      ctx.addIssue({ code: 'custom', message: `"${version}" must be written ${valid}` });
    }
  }),
);

/** The schema of plugin.json with the field bounds `LIMITS` (names as in MANIFEST_FIELD_LIMITS). */
function schemaWith(LIMITS: FieldLimits) {
  const semverRange = bounded(LIMITS.range).check(
    z.superRefine((range, ctx) => {
      if (range.length > LIMITS.range) return;
      if (range.trim().length === 0 || semver.validRange(range) === null) {
        ctx.addIssue({ code: 'custom', message: `"${range}" is not a valid semver range` });
      }
    }),
  );

  const routeSchema = z.object({
    route: bounded(LIMITS.route).check(z.regex(/^\/\S*$/, { error: 'must start with "/" and contain no spaces' })),
    method: z.pipe(
      z.pipe(
        z.string(),
        z.transform((method: string) => method.toUpperCase()),
      ),
      z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` }),
    ),
    label: bounded(LIMITS.label).check(z.minLength(1, { error: 'must not be empty' })),
  });

  // `driver` defaults to "fetch"; which drivers a host mounts is checked when it loads the plugin (src/core/routes/compile.ts).
  const httpServicesSchema = z.object({
    driver: z.optional(bounded(LIMITS.label).check(z.minLength(1, { error: 'must not be empty' }))),
    routes: z.optional(boundedArray(routeSchema, LIMITS.routes)),
  });

  return z.looseObject({
    name: pluginName,
    version: versionString,
    description: z.optional(bounded(LIMITS.description)),
    maintainers: z.optional(boundedArray(z.pipe(bounded(LIMITS.maintainer), z.email({ error: 'must be an e-mail address' })), LIMITS.maintainers)),
    home: z.optional(bounded(LIMITS.home).check(z.refine(isHttpUrl, { error: 'must be an http(s) URL' }))),
    license: z.optional(bounded(LIMITS.license).check(z.minLength(1, { error: 'must not be empty' }))),
    keywords: z.optional(
      boundedArray(bounded(LIMITS.keyword).check(z.regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be lower-case letters, digits and dashes' })), LIMITS.keywords),
    ),
    source: z.object({
      mode: z.literal('esm', { error: 'must be "esm"' }),
      path: bounded(LIMITS.sourcePath).check(
        z.superRefine((path, ctx) => {
          const reason = describeSourcePath(path);
          if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
        }),
      ),
    }),
    engines: z.optional(z.object({ host: z.optional(semverRange) })),
    dependencies: z.optional(
      z.record(z.string(), z.string()).check(
        z.superRefine((dependencies, ctx) => {
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
        }),
      ),
    ),
    http_services: z.optional(httpServicesSchema),
    origin: z.optional(
      z.object({
        type: z.literal('git', { error: 'must be "git"' }),
        url: bounded(LIMITS.originUrl).check(
          z.superRefine((url, ctx) => {
            const reason = describeOriginUrl(url);
            if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
          }),
        ),
        commit: z.string().check(z.regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, { error: 'must be a full commit hash (40 or 64 lowercase hex digits)' })),
        ref: z.optional(bounded(LIMITS.originRef).check(z.minLength(1, { error: 'must not be empty' }))),
      }),
    ),
  });
}

/** The zod schema of plugin.json (see docs/design.md, "Plugin manifest"), with the publish bounds. */
export const manifestSchema = schemaWith(MANIFEST_FIELD_LIMITS);
/** The same schema with the read path's bounds (READ_FIELD_LIMITS). */
const readSchema = schemaWith(READ_FIELD_LIMITS);

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

function toIssues(error: z.core.$ZodError): ManifestIssue[] {
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

/** How parseManifest checks a manifest. */
export interface ManifestParseOptions {
  /**
   * true (the default): every bound of manifest-limits.ts, as pack and
   * publish apply them. false: the read path of a host (registry documents,
   * loadDir), which must load versions published before those bounds held:
   * nesting depth (16), prototype keys, at most 1 MiB of JSON, at most 256
   * dependencies, ranges of at most 256 characters and `source.path` of at
   * most 1024 (MANIFEST_READ_LIMITS); a long description, many maintainers
   * or large unknown fields just load.
   */
  strict?: boolean;
}

/**
 * Validates plugin.json. Throws ManifestError whose `issues` list every
 * problem with its JSON path, and whose message names them all, prefixed with
 * the plugin (from `details`, or the manifest's own valid name) when known.
 * A manifest that breaks a shape bound (nesting deeper than 16, a
 * `__proto__`, `constructor` or `prototype` key anywhere, more than 64 KiB
 * of JSON, more than 8 KiB of unknown fields; on the read path, more than
 * 1 MiB of JSON) is refused with that one issue, before the schema looks at
 * it. Hosts pass `{ strict: false }` (ManifestParseOptions).
 *
 * @example parseManifest(JSON.parse(text), { url: 'file:///plugins/hello/plugin.json' })
 * @example parseManifest(entry.manifest, { plugin: 'hello', version: '1.0.0' }, { strict: false })
 */
export function parseManifest(input: unknown, details: ErrorDetails = {}, options: ManifestParseOptions = {}): Manifest {
  const strict = options.strict ?? true;
  let issues: ManifestIssue[];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues = [{ path: '(root)', message: 'must be a JSON object' }];
  } else {
    const shape = strict
      ? (checkManifestShape(input, MAX_MANIFEST_JSON_BYTES) ?? checkUnknownFields(input as Record<string, unknown>, KNOWN_FIELDS))
      : checkManifestShape(input, MANIFEST_READ_LIMITS.jsonBytes);
    issues = shape === undefined ? [] : [shape];
  }
  if (issues.length === 0) {
    const result = (strict ? manifestSchema : readSchema).safeParse(input, {
      error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : englishMessage(issue)),
    });
    if (result.success) return result.data;
    issues = toIssues(result.error);
  }
  const known = identify(input, details);
  const who = known.plugin === undefined ? '' : known.version === undefined ? `${known.plugin}: ` : `${known.plugin}@${known.version}: `;
  const where = details.url === undefined ? '' : ` (${details.url})`;
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new ManifestError(`${who}plugin.json is invalid${where}: ${list}`, issues, known);
}
