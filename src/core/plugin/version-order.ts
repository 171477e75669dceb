/**
 * The published versions of a plugin document in semver order, cheap to
 * build and to test against a range. A version key is read by a scan of its
 * characters into its three numbers (a prerelease, `-beta.1`, is checked
 * with the grammar semver's parser uses), with no semver object: those are
 * made only when two prereleases of the same numbers are ordered, or when a
 * prerelease might satisfy a range. A version without a prerelease is
 * tested against a parsed range by comparing its numbers with each
 * comparator's, which is what semver's Range.test computes for it. Keys
 * that are not exactly a valid version (`v1.0.0`, `1.0.0+build`, `01.0.0`)
 * are left out, as `semver.valid(key) === key` would leave them out; a
 * number of more than 15 digits (which might pass 2^53) is left to semver's
 * parser.
 */
import * as semver from '../semver.js';

/** One comparator of a parsed range (`>=1.2.0`). */
type Comparator = semver.Range['set'][number][number];

/** A published version: its numbers, whether it has a prerelease, and its semver object once one was needed. */
export interface PublishedVersion {
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: boolean;
  /** Made on first need (see semverOf). */
  parsed: semver.SemVer | undefined;
}

/** semver's bound on the length of a version. */
const MAX_VERSION_LENGTH = 256;
/** More digits than this in one number and the version is left to semver's parser. */
const MAX_PLAIN_DIGITS = 15;
const ZERO = 48;
const NINE = 57;
const DOT = 46;
const HYPHEN = 45;
/** The identifiers of a prerelease, as semver's (non-loose) grammar has them: numeric without a leading zero, or alphanumeric with hyphens. */
const PRERELEASE = /(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*))*$/y;

/** `key` as a published version, or undefined when semver would not give back exactly `key` for it. */
export function publishedVersion(key: string): PublishedVersion | undefined {
  if (key.length > MAX_VERSION_LENGTH) return undefined;
  const numbers = [0, 0, 0];
  let part = 0;
  let digits = 0;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code >= ZERO && code <= NINE) {
      if (digits === 1 && numbers[part] === 0) return undefined;
      if (digits === MAX_PLAIN_DIGITS) return parsedVersion(key);
      numbers[part] = numbers[part]! * 10 + (code - ZERO);
      digits++;
    } else if (code === DOT && part < 2 && digits > 0) {
      part++;
      digits = 0;
    } else if (code === HYPHEN && part === 2 && digits > 0) {
      PRERELEASE.lastIndex = i + 1;
      if (!PRERELEASE.test(key)) return undefined;
      return { version: key, major: numbers[0]!, minor: numbers[1]!, patch: numbers[2]!, prerelease: true, parsed: undefined };
    } else {
      return undefined;
    }
  }
  if (part !== 2 || digits === 0) return undefined;
  return { version: key, major: numbers[0]!, minor: numbers[1]!, patch: numbers[2]!, prerelease: false, parsed: undefined };
}

/** `key` parsed by semver, when it is exactly a valid version. */
function parsedVersion(key: string): PublishedVersion | undefined {
  let parsed: semver.SemVer;
  try {
    parsed = new semver.SemVer(key);
  } catch {
    return undefined;
  }
  if (parsed.version !== key) return undefined;
  return { version: key, major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.length > 0, parsed };
}

/** True when `key` is exactly a valid version (`semver.valid(key) === key`). */
export function isPublishedVersion(key: string): boolean {
  return publishedVersion(key) !== undefined;
}

/** The version's semver object, made once. */
function semverOf(version: PublishedVersion): semver.SemVer {
  version.parsed ??= new semver.SemVer(version.version);
  return version.parsed;
}

/** Semver's order of two published versions: negative when `a` is lower. */
export function compareVersions(a: PublishedVersion, b: PublishedVersion): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease && b.prerelease) return semverOf(a).comparePre(semverOf(b));
  // A release is above its prereleases.
  return a.prerelease === b.prerelease ? 0 : a.prerelease ? -1 : 1;
}

/** The keys that are published versions, highest first. */
export function sortedVersions(keys: readonly string[]): PublishedVersion[] {
  const list: PublishedVersion[] = [];
  for (const key of keys) {
    const version = publishedVersion(key);
    if (version !== undefined) list.push(version);
  }
  // Documents list versions in the order they were published, mostly ascending: the sort then has little to do.
  return list.sort((a, b) => compareVersions(b, a));
}

const EQUAL = 0;
const BELOW = 1;
const AT_MOST = 2;
const ABOVE = 3;
const AT_LEAST = 4;
/** A comparator's operator as a number: its string, read from the range by a regular expression, compares slower. */
const OPERATORS: Record<string, number> = { '': EQUAL, '=': EQUAL, '<': BELOW, '<=': AT_MOST, '>': ABOVE, '>=': AT_LEAST };

/** A comparator of a range (not ANY), with the numbers of its version read once. */
interface Bound {
  comparator: Comparator;
  /** The comparator's operator as a number (OPERATORS), or -1 for one this file does not know. */
  operator: number;
  major: number;
  minor: number;
  patch: number;
  prerelease: boolean;
}

/** What semver's Comparator.test answers for a version without a prerelease. */
function plainPasses(bound: Bound, version: PublishedVersion): boolean {
  let order =
    version.major !== bound.major ? version.major - bound.major : version.minor !== bound.minor ? version.minor - bound.minor : version.patch - bound.patch;
  // With equal numbers, a release is above the bound's prerelease.
  if (order === 0 && bound.prerelease) order = 1;
  switch (bound.operator) {
    case EQUAL:
      return order === 0;
    case BELOW:
      return order < 0;
    case AT_MOST:
      return order <= 0;
    case ABOVE:
      return order > 0;
    case AT_LEAST:
      return order >= 0;
    default:
      return bound.comparator.test(version.version);
  }
}

/**
 * A parsed range, ready to test published versions: `test` answers what
 * `range.test(version)` answers. A version without a prerelease passes a
 * comparator set when it passes each of its comparators (ANY, whose value
 * is empty, passes every version); a prerelease goes through Range.test,
 * unless no comparator names a prerelease of its numbers: without
 * includePrerelease, semver then refuses it whatever the comparators say.
 */
export class VersionRange {
  readonly #range: semver.Range | undefined;
  readonly #sets: readonly (readonly Bound[])[];
  readonly #prereleaseBounds: readonly Bound[];
  /** The `<` and `<=` comparators of each set. */
  readonly #upperBounds: readonly (readonly Bound[])[];

  /** `range`, or with undefined a range that nothing satisfies. */
  constructor(range: semver.Range | undefined) {
    this.#range = range;
    this.#sets = (range?.set ?? []).map((comparators) => comparators.filter((comparator) => comparator.value !== '').map(boundOf));
    this.#prereleaseBounds = this.#sets.flat().filter((bound) => bound.prerelease);
    this.#upperBounds = this.#sets.map((set) => set.filter((bound) => bound.operator === BELOW || bound.operator === AT_MOST));
  }

  /**
   * Where to start testing `list` (published versions, highest first): the
   * index of the first version that passes the `<`/`<=` comparators of some
   * set, found by bisection. Every version before it is above each set's
   * upper bound and fails the range; whether a version passes them only
   * changes once along the list, since they compare in semver's order.
   */
  firstCandidate(list: readonly PublishedVersion[]): number {
    if (this.#range === undefined) return list.length;
    if (this.#upperBounds.some((bounds) => bounds.length === 0)) return 0;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#underUpperBounds(list[middle]!)) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  #underUpperBounds(version: PublishedVersion): boolean {
    return this.#upperBounds.some((bounds) =>
      bounds.every((bound) => (version.prerelease ? bound.comparator.test(semverOf(version)) : plainPasses(bound, version))),
    );
  }

  /**
   * `text` parsed with `includePrerelease`; a range that semver accepts
   * without it but not with it (`0 - 0.0.9007199254740991`, whose upper
   * bound then overflows) is satisfied by nothing, as semver.satisfies
   * answers for it.
   */
  static parse(text: string, includePrerelease: boolean): VersionRange {
    try {
      return new VersionRange(new semver.Range(text, { includePrerelease }));
    } catch {
      return new VersionRange(undefined);
    }
  }

  /** True when `version` satisfies the range. */
  test(version: PublishedVersion): boolean {
    const range = this.#range;
    if (range === undefined) return false;
    if (version.prerelease) {
      let named = false;
      for (const bound of this.#prereleaseBounds) {
        if (bound.major === version.major && bound.minor === version.minor && bound.patch === version.patch) named = true;
      }
      return (named || range.includePrerelease) && range.test(semverOf(version));
    }
    for (const set of this.#sets) {
      let passes = true;
      for (const bound of set) {
        if (!plainPasses(bound, version)) {
          passes = false;
          break;
        }
      }
      if (passes) return true;
    }
    return false;
  }
}

function boundOf(comparator: Comparator): Bound {
  const { major, minor, patch, prerelease } = comparator.semver;
  const operator = Object.hasOwn(OPERATORS, comparator.operator) ? OPERATORS[comparator.operator]! : -1;
  return { comparator, operator, major, minor, patch, prerelease: prerelease.length > 0 };
}
