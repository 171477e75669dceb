/**
 * Pure functions over plugin documents (the shape in src/core/registry/document.ts):
 * add a version, yank or restore one, pick `distTags.latest`, summarize
 * a document for the plugin list, and find a text file kept with a version.
 * Storage drivers and routes share them.
 */
import * as semver from '../src/core/semver.js';
import type { PluginDocument, PluginSummary, VersionEntry } from '../src/core/registry/index.js';
import { MANIFEST_FIELD_LIMITS } from '../src/core/plugin/index.js';

/** The content-addressed URL of a blob, relative to the registry. */
export function blobPath(hex: string): string {
  return `/v1/blobs/sha256/${hex}`;
}

/** A text file kept with a version (README.md, CHANGELOG.md, LICENSE): its blob's integrity, size and URL, as `dist` has them. */
export interface VersionFile {
  integrity: string;
  size: number;
  url: string;
}

/** A version entry as the registry stores it: `files` holds the package's text files, by path. */
export type StoredVersionEntry = VersionEntry & { files?: Record<string, VersionFile> };

const BLOB_URL = /^\/v1\/blobs\/sha256\/([0-9a-f]{64})$/;

/**
 * The blob digest (hex) of `file` kept with `version` in a document, or
 * undefined when the version, or the file, or a well-formed reference to it
 * is not there (a damaged document answers 404 rather than 500).
 */
export function versionFileHex(document: PluginDocument, version: string, file: string): string | undefined {
  const entry = Object.hasOwn(document.versions ?? {}, version) ? (document.versions[version] as StoredVersionEntry) : undefined;
  const files = entry?.files;
  if (typeof files !== 'object' || files === null || !Object.hasOwn(files, file)) return undefined;
  const url = (files[file] as { url?: unknown } | undefined)?.url;
  return typeof url === 'string' ? BLOB_URL.exec(url)?.[1] : undefined;
}

/** The blob digest (hex) of a version's bundle, from its `dist.url`; undefined when the entry has no well-formed one. */
export function bundleHex(entry: unknown): string | undefined {
  const url = (entry as { dist?: { url?: unknown } } | undefined)?.dist?.url;
  return typeof url === 'string' ? BLOB_URL.exec(url)?.[1] : undefined;
}

/**
 * `modified` of a changed document: now, but always after the previous
 * value, so that every change gives a document (and an ETag) never seen before.
 */
function nextModified(previous: string | undefined, now: number): string {
  const before = previous === undefined ? Number.NEGATIVE_INFINITY : Date.parse(previous);
  return new Date(Number.isFinite(before) && before >= now ? before + 1 : now).toISOString();
}

/** `version` parsed, or null when it is not a version. */
function parsedVersion(version: string): InstanceType<typeof semver.SemVer> | null {
  try {
    return new semver.SemVer(version);
  } catch {
    return null;
  }
}

/**
 * The version `distTags.latest` points to: the highest version that is not
 * yanked and not a prerelease; failing that, the highest prerelease that is
 * not yanked; undefined when every version is yanked. One pass, each
 * version parsed once (sorting them parsed two at every comparison: some
 * twenty thousand parses for a plugin of 1,000 versions).
 */
export function latestVersion(versions: PluginDocument['versions']): string | undefined {
  let highest: { version: string; parsed: InstanceType<typeof semver.SemVer> } | undefined;
  let highestStable: typeof highest;
  for (const version of Object.keys(versions)) {
    if (versions[version]?.yanked === true) continue;
    const parsed = parsedVersion(version);
    if (parsed === null) continue;
    if (highest === undefined || parsed.compare(highest.parsed) > 0) highest = { version, parsed };
    if (parsed.prerelease.length === 0 && (highestStable === undefined || parsed.compare(highestStable.parsed) > 0)) highestStable = { version, parsed };
  }
  return (highestStable ?? highest)?.version;
}

function withLatest(document: PluginDocument): PluginDocument {
  const { latest: _previous, ...otherTags } = document.distTags;
  const latest = latestVersion(document.versions);
  return { ...document, distTags: latest === undefined ? otherTags : { ...otherTags, latest } };
}

/** The document with `entry` added as `version` (the caller has checked it is new). */
export function addVersion(current: PluginDocument | undefined, name: string, version: string, entry: VersionEntry, now: number): PluginDocument {
  const base: PluginDocument = current ?? { name, distTags: {}, modified: '', versions: {} };
  return withLatest({
    ...base,
    modified: nextModified(current?.modified, now),
    versions: { ...base.versions, [version]: entry },
  });
}

/** The document with `version` yanked or restored; undefined when it already was in that state. */
export function setYanked(current: PluginDocument, version: string, yanked: boolean, now: number): PluginDocument | undefined {
  const entry = current.versions[version];
  if (entry === undefined || entry.yanked === yanked) return undefined;
  return withLatest({
    ...current,
    modified: nextModified(current.modified, now),
    versions: { ...current.versions, [version]: { ...entry, yanked } },
  });
}

/**
 * A description cut to the manifest bound (300 characters, never splitting a
 * surrogate pair): descriptions stored before the bound held must not bloat
 * every list page.
 */
export function cutDescription(description: string): string {
  const max = MANIFEST_FIELD_LIMITS.description;
  if (description.length <= max) return description;
  const cut = description.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The fields of a stored manifest a list row shows (stored before their bounds held: each is checked again). */
interface SummarizedManifest {
  description?: unknown;
  keywords?: unknown;
  engines?: { host?: unknown };
  dependencies?: unknown;
}

/** The strings of `value` (an array), at most `count` of them, each at most `length` characters. */
function stringsOf(value: unknown, count: number, length: number): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string' && item.length <= length).slice(0, count);
}

/**
 * One row of the plugin list: the description comes from the latest version
 * (or the highest one), cut to the manifest bound. Tolerates a damaged
 * document (a version without a manifest, a non-string tag).
 */
export function summarize(document: PluginDocument): PluginSummary {
  const tagged = document.distTags?.latest;
  const latest = typeof tagged === 'string' ? tagged : undefined;
  const shown =
    latest ??
    Object.keys(document.versions)
      .filter((v) => semver.valid(v) !== null)
      .sort(semver.rcompare)[0];
  const manifest = shown === undefined ? undefined : (document.versions[shown]?.manifest as SummarizedManifest | undefined);
  const description = manifest?.description;
  const keywords = stringsOf(manifest?.keywords, MANIFEST_FIELD_LIMITS.keywords, MANIFEST_FIELD_LIMITS.keyword);
  const host = manifest?.engines?.host;
  const declared = manifest?.dependencies;
  const dependencies =
    typeof declared === 'object' && declared !== null && !Array.isArray(declared)
      ? stringsOf(Object.keys(declared), MANIFEST_FIELD_LIMITS.dependencies, 214)
      : [];
  return {
    name: document.name,
    ...(typeof description === 'string' ? { description: cutDescription(description) } : {}),
    ...(latest !== undefined ? { latest } : {}),
    ...(keywords.length > 0 ? { keywords } : {}),
    ...(typeof host === 'string' && host.length <= MANIFEST_FIELD_LIMITS.range ? { host } : {}),
    ...(dependencies.length > 0 ? { dependencies } : {}),
    modified: document.modified,
  };
}

/** Why `tag` cannot be a dist-tag, or undefined: lower-case, at most 64 characters, not a semver range (`name@tag` must not read as a range). */
export function describeDistTag(tag: string): string | undefined {
  if (!/^[a-z][a-z0-9._-]{0,63}$/.test(tag)) return 'must be 1 to 64 lower-case letters, digits, dots, dashes or underscores, starting with a letter';
  if (semver.validRange(tag) !== null) return 'reads as a semver range, so name@tag would not name the tag';
  if (tag === 'latest') return 'follows the highest version that is not yanked (yank or publish to move it)';
  return undefined;
}

/** The document with `tag` pointing at `version` (or removed, for undefined); undefined when nothing changes. */
export function setDistTag(current: PluginDocument, tag: string, version: string | undefined, now: number): PluginDocument | undefined {
  const tags = { ...current.distTags };
  if (version === undefined ? !Object.hasOwn(tags, tag) : tags[tag] === version) return undefined;
  if (version === undefined) delete tags[tag];
  else tags[tag] = version;
  return { ...current, distTags: tags, modified: nextModified(current.modified, now) };
}
