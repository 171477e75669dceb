/**
 * The version order of resolution (src/core/plugin/version-order.ts), which
 * reads version keys and tests ranges without semver objects for plain
 * versions, against the `semver` package itself: a key is a published
 * version exactly when `semver.valid(key) === key`, with semver's numbers;
 * two versions compare as `semver.compare` does; a parsed range accepts a
 * version exactly when `range.test` does (with and without
 * includePrerelease), and the versions it skips as above its upper bounds
 * fail `range.test`; and resolveVersion picks what `semver.maxSatisfying`
 * picks over the valid keys, on first use and again.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { compareVersions, publishedVersion, sortedVersions, VersionRange } from '../../src/core/plugin/version-order.js';
import { resolveVersion } from '../../src/core/plugin/versions.js';
import { fuzzParameters, fuzzTimeout } from './support.js';
import { rangeArb, versionArb } from './text-arbitraries.js';

/** Keys at the edges of the reader: long numbers, leading zeros, odd prereleases, build metadata, the length bound. */
const EDGE_KEYS = [
  '999999999999999.0.0',
  '1000000000000000.0.0',
  '9007199254740991.1.2',
  '9007199254740992.0.0',
  '0.0.9007199254740991-rc.1',
  '1.0.0-0',
  '1.0.0-00',
  '1.0.0-01',
  '1.0.0-0a',
  '1.0.0--',
  '1.0.0-a-.b',
  '1.0.0-',
  '1.0.0-a.',
  '1.0.0-a..b',
  '1.0.0-9007199254740992',
  '1.0.0-rc.1+build',
  '1.0.0+build',
  '1.0.',
  '.1.0',
  '1..0',
  '1.0.0.0',
  '1.0.0 ',
  'v1.0.0',
  `1.0.0-${'a'.repeat(250)}`,
  `1.0.0-${'a'.repeat(251)}`,
];

const keyArb = fc.oneof({ weight: 5, arbitrary: versionArb }, { weight: 1, arbitrary: fc.constantFrom(...EDGE_KEYS) });
const validKeyArb = keyArb.filter((key) => semver.valid(key) === key);
const validRangeArb = rangeArb.filter((range) => semver.validRange(range) !== null);

describe('fuzz: version order against semver', () => {
  const RUNS = 1000;
  const RANGE_RUNS = 300;

  it('reads a key as a version exactly when semver gives it back, with semver numbers', { timeout: fuzzTimeout(RUNS) }, () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const read = publishedVersion(key);
        const valid = semver.valid(key) === key;
        expect({ key, read: read !== undefined }).toEqual({ key, read: valid });
        if (read === undefined) return;
        const parsed = new semver.SemVer(key);
        expect([read.major, read.minor, read.patch, read.prerelease]).toEqual([parsed.major, parsed.minor, parsed.patch, parsed.prerelease.length > 0]);
      }),
      fuzzParameters(RUNS),
    );
  });

  it('orders two versions as semver.compare does', { timeout: fuzzTimeout(RUNS) }, () => {
    fc.assert(
      fc.property(validKeyArb, validKeyArb, (a, b) => {
        expect({ a, b, order: Math.sign(compareVersions(publishedVersion(a)!, publishedVersion(b)!)) }).toEqual({ a, b, order: semver.compare(a, b) });
      }),
      fuzzParameters(RUNS),
    );
  });

  it('tests a version against a range as Range.test does, and skips only versions above it', { timeout: fuzzTimeout(RANGE_RUNS) }, () => {
    fc.assert(
      fc.property(validRangeArb, fc.array(validKeyArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (text, keys, includePrerelease) => {
        // semver accepts a few ranges without includePrerelease that it cannot parse with it: resolveVersion's test of those is below.
        fc.pre(semver.validRange(text, { includePrerelease }) !== null);
        const range = new semver.Range(text, { includePrerelease });
        const tested = VersionRange.parse(text, includePrerelease);
        const sorted = sortedVersions(keys);
        const skipped = sorted.slice(0, tested.firstCandidate(sorted)).map(({ version }) => version);
        expect({ range: text, includePrerelease, skippedSatisfying: skipped.filter((key) => range.test(key)) }).toEqual({
          range: text,
          includePrerelease,
          skippedSatisfying: [],
        });
        for (const key of keys) {
          expect({ range: text, includePrerelease, key, satisfies: tested.test(publishedVersion(key)!) }).toEqual({
            range: text,
            includePrerelease,
            key,
            satisfies: range.test(key),
          });
        }
      }),
      fuzzParameters(RANGE_RUNS),
    );
  });

  it('resolves a range to what semver.maxSatisfying picks, on first use and again', { timeout: fuzzTimeout(RANGE_RUNS) }, () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 30 }), validRangeArb, fc.boolean(), (keys, range, includePrerelease) => {
        // An exact version is answered as named (`1.2.3` is not a search), so only ranges are compared.
        if (semver.valid(range.trim().replace(/^=\s*/, '')) !== null) return;
        const versions = Object.fromEntries(
          keys.map((key) => [key, { manifest: { name: 'hello', version: key }, dist: { url: `/b/${key}`, integrity: 'sha256-x' } }]),
        );
        const document = { name: 'hello', distTags: {}, versions } as unknown as PluginDocument;
        const expected = semver.maxSatisfying(
          keys.filter((key) => semver.valid(key) === key),
          range,
          { includePrerelease },
        );
        for (const when of ['first use', 'again']) {
          let actual: string | null;
          try {
            actual = resolveVersion(document, range, { includePrerelease }).version;
          } catch {
            actual = null;
          }
          expect({ when, range, includePrerelease, version: actual }).toEqual({ when, range, includePrerelease, version: expected });
        }
      }),
      fuzzParameters(RANGE_RUNS),
    );
  });
});
