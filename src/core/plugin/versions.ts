/**
 * Version resolution against a plugin document, with the `semver` package:
 * a request is a semver range, an exact version or a dist-tag (`latest`,
 * `beta`, …). Ranges pick the highest published version that satisfies them,
 * skipping yanked versions and (unless asked, or the range names one)
 * prereleases; an exact version is returned even when yanked, as the registry
 * still serves it. With a host version, versions whose `engines.host` the host
 * does not satisfy are skipped (the result lists the newer ones, with why),
 * and a CompatibilityError says so when nothing else is left. Failures are
 * ResolveErrors that list what is available; for a dependency, they name
 * the plugin and version that asked (`requestedBy`).
 */
import * as semver from '../semver.js';
import type { PluginDocument, VersionEntry } from '../registry/index.js';
import { CompatibilityError, ResolveError, UsageError } from '../errors/index.js';
import { isPublishedVersion, type PublishedVersion, sortedVersions, VersionRange } from './version-order.js';

/** How resolveVersion chooses. */
export interface ResolveOptions {
  /** Let ranges match prereleases of any version, not only the ones the range names. */
  includePrerelease?: boolean;
  /** The host API version: versions whose `engines.host` it does not satisfy are skipped. */
  hostVersion?: string;
  /** The plugin (`name@version`) whose `dependencies` ask for this one; errors then read `a@1.0.0 requires b@^2: …`. */
  requestedBy?: string;
}

/** A version newer than the one chosen that matched the request but that the host cannot run. */
export interface SkippedVersion {
  version: string;
  /** Why: `needs host ^3.0.0, this host is 2.4.0`. */
  reason: string;
}

/** The version resolveVersion chose, with its document entry. */
export interface ResolvedVersion {
  version: string;
  entry: VersionEntry;
  /** The newer versions that matched but whose `engines.host` refuses the host, newest first (absent when none). */
  skipped?: SkippedVersion[];
}

/** The exact version a range names (`1.2.3`, `=1.2.3`, `v1.2.3`), or null. */
function exactVersion(range: string): string | null {
  const named = range.trim().replace(/^=\s*/, '');
  // A version starts with a digit or `v`: a range such as `^1.2.0` is not parsed (semver would throw and catch an error for it).
  const first = named.charCodeAt(0);
  if (!((first >= 48 && first <= 57) || first === 118)) return null;
  return semver.valid(named);
}

/**
 * True when the range names exactly one version (`1.2.3`, `=1.2.3`,
 * `1.2.3-beta.1`), false for real ranges and tags.
 */
export function isExactVersion(range: string): boolean {
  return typeof range === 'string' && exactVersion(range) !== null;
}

function hostRangeOf(manifest: unknown): string | undefined {
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const engines = (manifest as { engines?: unknown }).engines;
  if (typeof engines !== 'object' || engines === null) return undefined;
  const host = (engines as { host?: unknown }).host;
  return typeof host === 'string' ? host : undefined;
}

/** The longest `engines.host` range considered; a longer one (only a hostile document has one) is never satisfied. */
export const MAX_HOST_RANGE_LENGTH = 256;

function isCompatible(required: string | undefined, hostVersion: string): boolean {
  if (required === undefined) return true;
  if (required.length > MAX_HOST_RANGE_LENGTH) return false;
  return semver.satisfies(hostVersion, required, { includePrerelease: true });
}

function requireHostVersion(hostVersion: string): string {
  const valid = semver.valid(hostVersion);
  if (valid === null) throw new UsageError(`host version "${hostVersion}" is not a valid semver version`);
  return valid;
}

/** Why a version whose `engines.host` is `required` cannot run on `hostVersion`. */
function hostProblem(required: string, hostVersion: string): string {
  const tooLong = required.length > MAX_HOST_RANGE_LENGTH;
  const problem = tooLong ? ` (longer than ${MAX_HOST_RANGE_LENGTH} characters)` : semver.validRange(required) === null ? ` (not a valid semver range)` : '';
  const shown = tooLong ? `${required.slice(0, 64)}…` : required;
  return `needs host ${shown}${problem}, this host is ${hostVersion}`;
}

function incompatible(name: string, version: string, required: string, hostVersion: string, extra = '', asked = ''): CompatibilityError {
  return new CompatibilityError(`${asked}${name}@${version} ${hostProblem(required, hostVersion)}${extra}`, required, hostVersion, {
    plugin: name,
    version,
  });
}

/**
 * Throws CompatibilityError when the host version does not satisfy the
 * manifest's `engines.host` range; a manifest without one runs anywhere.
 * A prerelease host (2.1.0-rc.1) counts as its version for `^2.0.0`.
 *
 * @example checkCompatibility(manifest, '1.4.0') // hello@1.2.0 needs host ^2.0.0, this host is 1.4.0
 */
export function checkCompatibility(manifest: { name: string; version: string; engines?: { host?: string } }, hostVersion: string): void {
  const host = requireHostVersion(hostVersion);
  const required = manifest.engines?.host;
  if (!isCompatible(required, host)) throw incompatible(manifest.name, manifest.version, required!, host);
}

/** The published versions of each `versions` object seen, highest first, with how many keys it had then. */
const publishedByDocument = new WeakMap<object, { keys: number; list: readonly PublishedVersion[] }>();

/**
 * Published versions, highest first (`keys` are the document's version
 * keys); keys that are not valid versions are ignored. The list is kept for
 * the document's `versions` object (documents are never changed in place;
 * one whose number of versions changed is read again), so resolving again
 * against the same document neither reads nor sorts its versions.
 */
function publishedVersions(document: PluginDocument, keys: readonly string[]): readonly PublishedVersion[] {
  const cached = publishedByDocument.get(document.versions);
  if (cached !== undefined && cached.keys === keys.length) return cached.list;
  const list = sortedVersions(keys);
  publishedByDocument.set(document.versions, { keys: keys.length, list });
  return list;
}

function notFound(name: string, message: string, available: string[], hint = '', subject = name): ResolveError {
  const list = available.length === 0 ? 'none' : available.join(', ');
  return new ResolveError(`${subject}: ${message} (available: ${list})${hint}`, available, { plugin: name });
}

/** True when `version` is published, not yanked, and runs on the host (when one is given). */
function usable(document: PluginDocument, version: string, options: ResolveOptions): boolean {
  const entry = document.versions[version];
  if (entry === undefined || entry.yanked) return false;
  if (options.hostVersion === undefined) return true;
  return isCompatible(hostRangeOf(entry.manifest), requireHostVersion(options.hostVersion));
}

/** `a@1.0.0 requires b@^2: ` when a dependent asked, else nothing. */
function askedBy(name: string, request: string, options: ResolveOptions): string {
  return options.requestedBy === undefined ? '' : `${options.requestedBy} requires ${name}@${request}: `;
}

/** Returns the version if the host can run it, or throws CompatibilityError. */
function accept(document: PluginDocument, version: string, options: ResolveOptions, request: string): ResolvedVersion {
  const entry = document.versions[version]!;
  if (options.hostVersion !== undefined) {
    const host = requireHostVersion(options.hostVersion);
    const required = hostRangeOf(entry.manifest);
    if (!isCompatible(required, host)) throw incompatible(document.name, version, required!, host, '', askedBy(document.name, request, options));
  }
  return { version, entry };
}

/**
 * Picks the version of a plugin that a request means. `range` is a semver
 * range, an exact version or a dist-tag; `latest` without such a tag means
 * the highest stable version that is not yanked, and a `latest` tag that
 * points at a yanked version or one the host cannot run means the highest
 * usable stable version up to the tagged one. Throws ResolveError when nothing matches (the
 * message lists the available versions) and CompatibilityError when versions
 * match but none runs on `options.hostVersion`.
 *
 * @example resolveVersion(document, '^1.2', { hostVersion: '2.0.0' }).version // '1.4.1'
 */
export function resolveVersion(document: PluginDocument, range: string, options: ResolveOptions = {}): ResolvedVersion {
  const name = document.name;
  const request = typeof range === 'string' ? range.trim() : '';
  const asked = askedBy(name, request, options);
  const subject = asked === '' ? name : asked.slice(0, -2);
  const keys = Object.keys(document.versions);
  // An exact version or a dist-tag needs no sorted list: only that some version is published.
  if (!keys.some(isPublishedVersion)) throw new ResolveError(`${asked}${name} has no published versions`, [], { plugin: name });
  /** The versions not yanked, lowest first, for the messages of errors. */
  const available = () =>
    publishedVersions(document, keys)
      .filter(({ version }) => !document.versions[version]!.yanked)
      .map(({ version }) => version)
      .reverse();

  const exact = exactVersion(request);
  if (exact !== null) {
    if (document.versions[exact] === undefined) {
      throw notFound(name, `version ${exact} is not published`, available(), '', subject);
    }
    return accept(document, exact, options, request);
  }

  const tags = document.distTags;
  const latestUnusable = request === 'latest' && tags.latest !== undefined && !usable(document, tags.latest, options);
  if (Object.hasOwn(tags, request) && !latestUnusable) {
    const target = tags[request]!;
    const entry = document.versions[target];
    if (entry === undefined) {
      throw notFound(name, `dist-tag "${request}" points at ${target}, which is not published`, available(), '', subject);
    }
    if (entry.yanked) {
      throw notFound(name, `dist-tag "${request}" points at ${target}, which is yanked`, available(), '', subject);
    }
    return accept(document, target, options, request);
  }

  let effective = request;
  if (request === 'latest') effective = latestUnusable && semver.valid(tags.latest) ? `<=${tags.latest}` : '*';
  else if (semver.validRange(request) === null) {
    const known = Object.keys(tags);
    const hint = known.length === 0 ? '' : `; dist-tags: ${known.join(', ')}`;
    throw new ResolveError(`${subject}: "${request}" is neither a valid semver range nor a dist-tag${hint}`, available(), { plugin: name });
  }

  // The range is parsed once and tested against the versions, highest first, until one runs on the host.
  const all = publishedVersions(document, keys);
  const wanted = VersionRange.parse(effective, options.includePrerelease === true);
  const skipped: SkippedVersion[] = [];
  let newest: { version: string; required: string; host: string } | undefined;
  for (let index = wanted.firstCandidate(all); index < all.length; index++) {
    const published = all[index]!;
    const version = published.version;
    if (!wanted.test(published) || document.versions[version]!.yanked) continue;
    if (options.hostVersion === undefined) return accept(document, version, options, request);
    const host = requireHostVersion(options.hostVersion);
    const required = hostRangeOf(document.versions[version]!.manifest);
    if (isCompatible(required, host)) return { ...accept(document, version, options, request), ...(skipped.length > 0 ? { skipped } : {}) };
    newest ??= { version, required: required!, host };
    skipped.push({ version, reason: hostProblem(required!, host) });
  }
  if (newest !== undefined) {
    const others = skipped.length > 1 ? `; no version matching "${request}" runs on it` : '';
    throw incompatible(name, newest.version, newest.required, newest.host, others, asked);
  }
  const yanked = all.filter((published) => document.versions[published.version]!.yanked && wanted.test(published)).map(({ version }) => version);
  const pre = options.includePrerelease
    ? []
    : available().filter((v) => semver.prerelease(v) !== null && semver.satisfies(v, effective, { includePrerelease: true }));
  let hint = '';
  if (yanked.length > 0) hint += `; yanked: ${yanked.join(', ')}`;
  if (pre.length > 0) hint += `; prereleases ${pre.join(', ')} match with includePrerelease`;
  throw notFound(name, asked === '' ? `no version matches "${request}"` : 'no version matches', available(), hint, subject);
}
