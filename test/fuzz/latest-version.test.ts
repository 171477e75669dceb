/**
 * Fuzz property of the registry's `latest` (registry-server/documents.ts):
 * over arbitrary version strings (odd ones, prereleases, build metadata,
 * equal precedence) with arbitrary yanked flags, latestVersion picks what
 * sorting every live version with semver does — the highest stable one,
 * failing that the highest prerelease, the first in key order among equals —
 * whatever it parsed before.
 */
import * as fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { latestVersion } from '../../registry-server/index.js';
import type { VersionEntry } from '../../src/core/registry/index.js';
import { fuzzParameters, fuzzTimeout } from './support.js';
import { versionArb } from './text-arbitraries.js';

/** The definition, by sorting: every live version parsed at each comparison. */
function sortedLatest(versions: Record<string, { yanked: boolean }>): string | undefined {
  const live = Object.keys(versions).filter((version) => versions[version]?.yanked !== true && semver.valid(version) !== null);
  const stable = live.filter((version) => semver.prerelease(version) === null);
  return (stable.length > 0 ? stable : live).sort(semver.rcompare)[0];
}

const versionsArb = fc.dictionary(fc.oneof(versionArb, fc.string({ maxLength: 12 })), fc.boolean(), { maxKeys: 40 });

describe('latestVersion', () => {
  it('picks what sorting the live versions picks', { timeout: fuzzTimeout(400) }, () => {
    fc.assert(
      fc.property(versionsArb, (flags) => {
        const versions = Object.fromEntries(Object.entries(flags).map(([version, yanked]) => [version, { yanked } as VersionEntry]));
        expect(latestVersion(versions)).toBe(sortedLatest(versions));
      }),
      fuzzParameters(400),
    );
  });
});
