/**
 * The reference for resolveVersion (src/core/plugin/versions.ts): its
 * straightforward form, which parses every version at every comparison,
 * sorts all published versions and tests the range against each with
 * semver.satisfies. The resolution in src/ parses each version once, keeps
 * the sorted list per document and stops at the first usable match; the
 * fuzz test checks that both answer (or refuse) alike.
 */
import semver from 'semver';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { CompatibilityError, ResolveError, UsageError } from '../../src/core/errors/index.js';
import type { ResolvedVersion, ResolveOptions } from '../../src/core/plugin/versions.js';

/** The exact version a range names (`1.2.3`, `=1.2.3`, `v1.2.3`), or null. */
function exactVersion(range: string): string | null {
  return semver.valid(range.trim().replace(/^=\s*/, ''));
}

function hostRangeOf(manifest: unknown): string | undefined {
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const engines = (manifest as { engines?: unknown }).engines;
  if (typeof engines !== 'object' || engines === null) return undefined;
  const host = (engines as { host?: unknown }).host;
  return typeof host === 'string' ? host : undefined;
}

/** The longest `engines.host` range considered; a longer one (only a hostile document has one) is never satisfied. */
const MAX_HOST_RANGE_LENGTH = 256;

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

/** Published versions, highest first; keys that are not valid versions are ignored. */
function publishedVersions(document: PluginDocument): string[] {
  return Object.keys(document.versions)
    .filter((version) => semver.valid(version) === version)
    .sort(semver.rcompare);
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
export function referenceResolveVersion(document: PluginDocument, range: string, options: ResolveOptions = {}): ResolvedVersion {
  const name = document.name;
  const request = typeof range === 'string' ? range.trim() : '';
  const asked = askedBy(name, request, options);
  const subject = asked === '' ? name : asked.slice(0, -2);
  const all = publishedVersions(document);
  if (all.length === 0) throw new ResolveError(`${asked}${name} has no published versions`, [], { plugin: name });
  const available = all.filter((version) => !document.versions[version]!.yanked).reverse();

  const exact = exactVersion(request);
  if (exact !== null) {
    if (document.versions[exact] === undefined) {
      throw notFound(name, `version ${exact} is not published`, available, '', subject);
    }
    return accept(document, exact, options, request);
  }

  const tags = document.distTags;
  const latestUnusable = request === 'latest' && tags.latest !== undefined && !usable(document, tags.latest, options);
  if (Object.hasOwn(tags, request) && !latestUnusable) {
    const target = tags[request]!;
    const entry = document.versions[target];
    if (entry === undefined) {
      throw notFound(name, `dist-tag "${request}" points at ${target}, which is not published`, available, '', subject);
    }
    if (entry.yanked) {
      throw notFound(name, `dist-tag "${request}" points at ${target}, which is yanked`, available, '', subject);
    }
    return accept(document, target, options, request);
  }

  let effective = request;
  if (request === 'latest') effective = latestUnusable && semver.valid(tags.latest) ? `<=${tags.latest}` : '*';
  else if (semver.validRange(request) === null) {
    const known = Object.keys(tags);
    const hint = known.length === 0 ? '' : `; dist-tags: ${known.join(', ')}`;
    throw new ResolveError(`${subject}: "${request}" is neither a valid semver range nor a dist-tag${hint}`, available, { plugin: name });
  }

  const satisfying = (version: string): boolean => semver.satisfies(version, effective, { includePrerelease: options.includePrerelease === true });
  const matches = all.filter((version) => !document.versions[version]!.yanked && satisfying(version));
  if (matches.length === 0) {
    const yanked = all.filter((version) => document.versions[version]!.yanked && satisfying(version));
    const pre = options.includePrerelease
      ? []
      : available.filter((v) => semver.prerelease(v) !== null && semver.satisfies(v, effective, { includePrerelease: true }));
    let hint = '';
    if (yanked.length > 0) hint += `; yanked: ${yanked.join(', ')}`;
    if (pre.length > 0) hint += `; prereleases ${pre.join(', ')} match with includePrerelease`;
    throw notFound(name, asked === '' ? `no version matches "${request}"` : 'no version matches', available, hint, subject);
  }

  if (options.hostVersion === undefined) return accept(document, matches[0]!, options, request);
  const host = requireHostVersion(options.hostVersion);
  const at = matches.findIndex((version) => isCompatible(hostRangeOf(document.versions[version]!.manifest), host));
  if (at !== -1) {
    const skipped = matches.slice(0, at).map((version) => ({ version, reason: hostProblem(hostRangeOf(document.versions[version]!.manifest)!, host) }));
    return { ...accept(document, matches[at]!, options, request), ...(skipped.length > 0 ? { skipped } : {}) };
  }
  const newest = matches[0]!;
  const required = hostRangeOf(document.versions[newest]!.manifest)!;
  const others = matches.length > 1 ? `; no version matching "${request}" runs on it` : '';
  throw incompatible(name, newest, required, host, others, asked);
}
