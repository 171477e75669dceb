/**
 * `plughub info <name>[@range]`: what the registry knows of a plugin — its
 * versions with their tags and yanked flags, and the version the range (by
 * default `latest`) resolves to, with its integrity, size, publish time,
 * `engines` (the host versions it runs on) and `dependencies`.
 */
import * as semver from '../../../core/semver.js';
import { isRegistryError, RegistryError } from '../../../core/errors/index.js';
import { parsePluginSpec } from '../../../core/plugin/index.js';
import { resolveVersion } from '../../../core/plugin/index.js';
import { atMost, usageError } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { formatBytes, formatTable, printJson, printLines } from '../output.js';
import { registryClient, registryOption } from '../registry-options.js';

const usage = `usage: plughub info <name>[@range] [--registry URL] [--json]

Shows a plugin's versions, dist-tags and yanked versions, and the version
that the range (default: latest) resolves to, with its engines (the host
versions it runs on) and dependencies.

  --registry URL   the registry (default: $PLUGHUB_REGISTRY)
  --json           print the versions and the resolved version as JSON
`;

/** The string entries of a manifest field that should map names to ranges (`engines`, `dependencies`); others are left out. */
function stringEntries(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Where a version was built from, as its manifest's `origin` says (the registry does not vouch for it), when it is well formed. */
function originOf(value: unknown): { type: 'git'; url: string; commit: string; ref?: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, url, commit, ref } = value as Record<string, unknown>;
  if (type !== 'git' || typeof url !== 'string' || typeof commit !== 'string') return undefined;
  return { type, url, commit, ...(typeof ref === 'string' ? { ref } : {}) };
}

/** `a@^1, b@~2` (with `separator` `@`), or `empty` when there are none. */
function describeRanges(ranges: Record<string, string>, separator: string, empty: string): string {
  const entries = Object.entries(ranges);
  return entries.length === 0 ? empty : entries.map(([name, range]) => `${name}${separator}${range}`).join(', ');
}

/** The `info` command. */
export const info: Command = {
  name: 'info',
  summary: "show a plugin's versions and what a range resolves to",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('info', argv, { ...registryOption, json: { type: 'boolean' } });
    const [spec] = positionals;
    if (spec === undefined) throw usageError('info', 'missing <name>[@range]');
    atMost('info', positionals, 1);
    const { name, range } = parsePluginSpec(spec);
    const client = registryClient(io, values);
    const answer = await client.getDocument(name).catch((error: unknown) => {
      if (isRegistryError(error) && error.status === 404) {
        throw new RegistryError(`${name} is not published on ${client.url} (${error.message})`, {
          method: 'GET',
          status: 404,
          ...(error.serverCode !== undefined ? { serverCode: error.serverCode } : {}),
          url: client.documentUrl(name),
          plugin: name,
          cause: error,
        });
      }
      throw error;
    });
    if (answer.status !== 200) throw new RegistryError(`${name}: ${client.url} answered 304 to a request without an ETag`, { method: 'GET', plugin: name });
    const { document } = answer;
    const tagsOf = (version: string) =>
      Object.entries(document.distTags)
        .filter(([, v]) => v === version)
        .map(([tag]) => tag);
    const versions = Object.keys(document.versions)
      .sort(semver.rcompare)
      .map((version) => {
        const entry = document.versions[version]!;
        return { version, tags: tagsOf(version), yanked: entry.yanked, publishedAt: entry.publishedAt, size: entry.dist.size };
      });
    let failure: unknown;
    let resolved;
    try {
      const { version, entry } = resolveVersion(document, range);
      const { integrity, size } = entry.dist;
      const engines = stringEntries(entry.manifest.engines);
      const dependencies = stringEntries(entry.manifest.dependencies);
      const origin = originOf(entry.manifest.origin) ?? null;
      resolved = {
        version,
        integrity,
        size,
        publishedAt: entry.publishedAt,
        yanked: entry.yanked,
        url: client.blobUrl(entry.dist),
        engines,
        dependencies,
        origin,
      };
    } catch (error) {
      failure = error;
    }
    const latest = document.versions[resolved?.version ?? document.distTags.latest ?? ''];
    const description = typeof latest?.manifest.description === 'string' ? latest.manifest.description : undefined;
    if (values.json) {
      printJson(io, { name, description, range, distTags: document.distTags, modified: document.modified, versions, resolved: resolved ?? null });
    } else {
      const rows = versions.map((row) => [row.version, row.tags.join(','), row.yanked ? 'yanked' : '', row.publishedAt, formatBytes(row.size)]);
      printLines(io, [
        `${name}${description ? ` — ${description}` : ''}`,
        `tags: ${
          Object.entries(document.distTags)
            .map(([tag, version]) => `${tag}=${version}`)
            .join(' ') || '(none)'
        }`,
        '',
        ...formatTable(['VERSION', 'TAGS', 'YANKED', 'PUBLISHED', 'SIZE'], rows),
        ...(resolved
          ? [
              '',
              `${name}@${range} resolves to ${resolved.version}${resolved.yanked ? ' (yanked)' : ''}`,
              `  integrity  ${resolved.integrity}`,
              `  size       ${formatBytes(resolved.size)}`,
              `  published  ${resolved.publishedAt}`,
              `  bundle     ${resolved.url}`,
              `  engines    ${describeRanges(resolved.engines, ' ', 'any host')}`,
              `  depends on ${describeRanges(resolved.dependencies, '@', 'nothing')}`,
              ...(resolved.origin
                ? [`  built from ${resolved.origin.url} at ${resolved.origin.commit}${resolved.origin.ref ? ` (${resolved.origin.ref})` : ''}`]
                : []),
            ]
          : []),
      ]);
    }
    if (failure !== undefined) throw failure;
  },
};
