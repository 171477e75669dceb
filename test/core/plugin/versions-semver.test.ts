import semver from 'semver';
import { describe, expect, it } from 'vitest';
import type { PluginDocument } from '../../../src/core/registry/document.js';
import { ResolveError } from '../../../src/core/errors/index.js';
import { resolveVersion } from '../../../src/core/plugin/versions.js';

const VERSIONS = ['0.9.9', '1.0.0', '1.2.3', '1.10.0', '2.0.0-alpha.1', '2.0.0-beta.1', '2.0.0', '2.0.1', '2.1.0-rc.1', '10.0.0', '10.0.0-rc.2', '1.2.3-0'];

/** The ranges whose comparators name prereleases, x-ranges, hyphens and unions: every comparator operator against plain versions. */
const RANGES = [
  '^1.0.0',
  '~1.2.0',
  '>=2.0.0-beta.0',
  '>2.0.0-beta.1',
  '<2.0.0-beta.1',
  '<=2.0.0-rc.1',
  '>=2.0.0-0 <2.0.1',
  '<2.0.0',
  '2.0.0-beta.1 - 2.0.1',
  '1.x || >=10.0.0-rc.0',
  '=2.0.0-beta.1',
  '>1.2.3-0',
  '<=1.2.3-0',
  '>=1.2.3-0 <1.2.3',
  '*',
  '2.x',
  '<10.0.0-rc.2',
  '>=0.0.0-0',
  '~2.1.0-rc.0',
  '^2.0.0-alpha.0',
  '<0.0.1',
];

function documentOf(versions: string[]): PluginDocument {
  const entries = Object.fromEntries(
    versions.map((version) => [version, { manifest: { name: 'hello', version }, dist: { url: `/b/${version}`, integrity: 'sha256-x' } }]),
  );
  return { name: 'hello', distTags: {}, versions: entries } as unknown as PluginDocument;
}

describe('resolving ranges against plain and prerelease versions', () => {
  it.each([false, true])('picks what semver.maxSatisfying picks (includePrerelease %s)', (includePrerelease) => {
    const document = documentOf(VERSIONS);
    for (const range of RANGES) {
      const expected = semver.maxSatisfying(VERSIONS, range, { includePrerelease });
      const actual = (() => {
        try {
          return resolveVersion(document, range, { includePrerelease }).version;
        } catch {
          return null;
        }
      })();
      expect({ range, version: actual }).toEqual({ range, version: expected });
    }
  });

  it('reads numbers of 16 digits and prereleases of the same numbers as semver does', () => {
    const versions = [
      '1000000000000000.0.0',
      '999999999999999.9.9',
      '9007199254740991.0.0-rc.1',
      '9007199254740991.0.0',
      '2.0.0-rc.10',
      '2.0.0-rc.9',
      '2.0.0-01',
      'v3.0.0',
    ];
    const document = documentOf(versions);
    const valid = versions.filter((version) => semver.valid(version) === version);
    for (const range of ['*', '<1000000000000000.0.0', '>=2.0.0-rc.0 <2.0.0', '^9007199254740991.0.0-rc.0', '<3.0.0', '>=3.0.0']) {
      for (const includePrerelease of [false, true]) {
        const expected = semver.maxSatisfying(valid, range, { includePrerelease });
        const actual = (() => {
          try {
            return resolveVersion(document, range, { includePrerelease }).version;
          } catch {
            return null;
          }
        })();
        expect({ range, includePrerelease, version: actual }).toEqual({ range, includePrerelease, version: expected });
      }
    }
  });

  it('answers a range semver parses only without includePrerelease as one that nothing satisfies, with a ResolveError', () => {
    const document = documentOf(['0.0.5', '1.0.0']);
    expect(resolveVersion(document, '0 - 0.0.9007199254740991').version).toBe('0.0.5');
    expect(semver.satisfies('0.0.5', '0 - 0.0.9007199254740991', { includePrerelease: true })).toBe(false);
    expect(() => resolveVersion(document, '0 - 0.0.9007199254740991', { includePrerelease: true })).toThrow(ResolveError);
  });

  it('orders a release above its prereleases and numbers numerically', () => {
    const document = documentOf(['1.9.0', '1.10.0', '1.10.0-rc.1']);
    expect(resolveVersion(document, '^1.0.0').version).toBe('1.10.0');
    expect(resolveVersion(document, '<1.10.0').version).toBe('1.9.0');
    expect(resolveVersion(document, '>=1.10.0-rc.0', { includePrerelease: true }).version).toBe('1.10.0');
  });
});
