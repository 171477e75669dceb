/**
 * The plugin document the registry serves at GET /v1/plugins/:name: every
 * published version with its manifest, its bundle's integrity, size and URL,
 * and the dist-tags. Parsed with zod/mini so that a malformed answer is refused
 * with a DocumentError instead of being trusted.
 */
import * as z from 'zod/mini';
import { DocumentError, type ErrorDetails } from '../errors/index.js';
import { englishMessage } from '../zod.js';

/**
 * A non-empty string. The length check runs only on a string: zod runs a
 * length check on anything with a `length`, and comparing a hostile
 * `{ "length": [[[…]]] }` with a number turns the nested arrays into a
 * string, recursively, past the stack.
 */
const nonEmptyString = z.pipe(z.string(), z.string().check(z.minLength(1)));

/** Where a version's bundle is and what it must hash to. */
export const distSchema = z.object({
  integrity: nonEmptyString,
  size: z.number().check(z.int(), z.nonnegative()),
  url: nonEmptyString,
});

/** One published version. The manifest is validated with parseManifest when the version is loaded. */
export const versionEntrySchema = z.looseObject({
  manifest: z.looseObject({ name: z.string(), version: z.string() }),
  dist: distSchema,
  publishedAt: z.string(),
  yanked: z._default(z.boolean(), false),
});

/** The whole document of one plugin. */
export const pluginDocumentSchema = z.looseObject({
  name: nonEmptyString,
  distTags: z._default(z.record(z.string(), z.string()), {}),
  modified: z.string(),
  versions: z.record(z.string(), versionEntrySchema),
});

export type Dist = z.infer<typeof distSchema>;
export type VersionEntry = z.infer<typeof versionEntrySchema>;
export type PluginDocument = z.infer<typeof pluginDocumentSchema>;

/** One row of GET /v1/plugins. */
export const pluginSummarySchema = z.looseObject({
  name: z.string(),
  description: z.optional(z.string()),
  latest: z.optional(z.string()),
  modified: z.string(),
  /** The shown version's `keywords`. */
  keywords: z.optional(z.array(z.string())),
  /** The shown version's `engines.host`. */
  host: z.optional(z.string()),
  /** The names the shown version depends on. */
  dependencies: z.optional(z.array(z.string())),
});

/** The answer of GET /v1/plugins. */
export const pluginListSchema = z.looseObject({
  total: z.number().check(z.int(), z.nonnegative()),
  plugins: z.array(pluginSummarySchema),
});

export type PluginSummary = z.infer<typeof pluginSummarySchema>;
export type PluginList = z.infer<typeof pluginListSchema>;

function describe(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/**
 * Validates a registry document. Throws DocumentError naming the problems
 * and, through `details`, the plugin and URL it came from; also refuses a
 * document whose `name` is not the plugin that was asked for.
 */
export function parsePluginDocument(input: unknown, expectedName: string, details: ErrorDetails = {}): PluginDocument {
  const result = pluginDocumentSchema.safeParse(input, { error: englishMessage });
  const where = details.url ? ` (${details.url})` : '';
  if (!result.success) {
    throw new DocumentError(`${expectedName}: invalid registry document${where}: ${describe(result.error)}`, {
      ...details,
      plugin: expectedName,
    });
  }
  if (result.data.name !== expectedName) {
    throw new DocumentError(`${expectedName}: registry answered with the document of "${result.data.name}"${where}`, { ...details, plugin: expectedName });
  }
  for (const [version, entry] of Object.entries(result.data.versions)) {
    if (entry.manifest.name !== expectedName || entry.manifest.version !== version) {
      throw new DocumentError(`${expectedName}@${version}: version entry carries the manifest of ${entry.manifest.name}@${entry.manifest.version}${where}`, {
        ...details,
        plugin: expectedName,
        version,
      });
    }
  }
  return result.data;
}

/** Validates the answer of GET /v1/plugins. */
export function parsePluginList(input: unknown, details: ErrorDetails = {}): PluginList {
  const result = pluginListSchema.safeParse(input, { error: englishMessage });
  if (!result.success) {
    const where = details.url ? ` (${details.url})` : '';
    throw new DocumentError(`invalid plugin list${where}: ${describe(result.error)}`, details);
  }
  return result.data;
}
