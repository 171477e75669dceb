import { describe, expect, it } from 'vitest';
import type { PluginDocument } from '../../../src/core/registry/document.js';
import { CompatibilityError, ResolveError, UsageError, isResolveError } from '../../../src/core/errors/index.js';
import { checkCompatibility, isExactVersion, resolveVersion } from '../../../src/core/plugin/versions.js';

interface VersionSpec {
  yanked?: boolean;
  host?: string;
}

function documentOf(versions: Record<string, VersionSpec>, distTags: Record<string, string> = {}, name = 'hello'): PluginDocument {
  const entries: PluginDocument['versions'] = {};
  for (const [version, spec] of Object.entries(versions)) {
    entries[version] = {
      manifest: {
        name,
        version,
        source: { mode: 'esm', path: 'index.js' },
        ...(spec.host === undefined ? {} : { engines: { host: spec.host } }),
      },
      dist: { integrity: `sha256-${version}`, size: 1, url: `/v1/blobs/sha256/${version}` },
      publishedAt: '2024-01-01T00:00:00.000Z',
      yanked: spec.yanked ?? false,
    };
  }
  return { name, distTags, modified: '2024-01-01T00:00:00.000Z', versions: entries };
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

const doc = documentOf(
  {
    '1.0.0': {},
    '1.2.0': {},
    '1.3.0': { yanked: true },
    '1.4.0-beta.1': {},
    '2.0.0': {},
    '2.1.0-rc.1': {},
    '3.0.0-alpha.0': {},
  },
  { latest: '2.0.0', next: '2.1.0-rc.1', old: '1.3.0', gone: '9.9.9' },
);

const resolve = (range: string, options = {}) => resolveVersion(doc, range, options).version;

describe('resolveVersion: ranges', () => {
  it('picks the highest satisfying version and returns its entry', () => {
    const resolved = resolveVersion(doc, '^1.0.0');
    expect(resolved.version).toBe('1.2.0');
    expect(resolved.entry.dist.integrity).toBe('sha256-1.2.0');
    expect(resolve('*')).toBe('2.0.0');
    expect(resolve('<2')).toBe('1.2.0');
    expect(resolve('1.x || 2.x')).toBe('2.0.0');
    expect(resolve('')).toBe('2.0.0');
  });

  it('skips yanked versions for ranges', () => {
    expect(() => resolve('~1.3.0')).toThrow(ResolveError);
    expect(resolve('>=1.2.0 <2.0.0')).toBe('1.2.0');
  });

  it('skips prereleases unless asked or named by the range', () => {
    expect(resolve('^1.0.0', { includePrerelease: true })).toBe('1.4.0-beta.1');
    expect(resolve('^2.0.0')).toBe('2.0.0');
    expect(resolve('^2.0.0', { includePrerelease: true })).toBe('2.1.0-rc.1');
    expect(resolve('>=2.1.0-rc.0')).toBe('2.1.0-rc.1');
    expect(resolve('^1.4.0-beta.0')).toBe('1.4.0-beta.1');
    expect(resolve('*', { includePrerelease: true })).toBe('3.0.0-alpha.0');
  });

  it('lists the available versions when nothing matches', () => {
    const error = caught(() => resolve('^5'));
    expect(error).toBeInstanceOf(ResolveError);
    expect(error.message).toBe('hello: no version matches "^5" (available: 1.0.0, 1.2.0, 1.4.0-beta.1, 2.0.0, 2.1.0-rc.1, 3.0.0-alpha.0)');
    expect((error as ResolveError).available).toEqual(['1.0.0', '1.2.0', '1.4.0-beta.1', '2.0.0', '2.1.0-rc.1', '3.0.0-alpha.0']);
    expect((error as ResolveError).plugin).toBe('hello');
    expect(isResolveError(error)).toBe(true);
  });

  it('matches the message of the design for a plain document', () => {
    const plain = documentOf({ '1.0.0': {}, '2.0.0': {}, '1.2.0': {} });
    expect(() => resolveVersion(plain, '^3')).toThrow('hello: no version matches "^3" (available: 1.0.0, 1.2.0, 2.0.0)');
  });

  it('says when yanked versions or prereleases would have matched', () => {
    expect(() => resolve('~1.3.0')).toThrow(/; yanked: 1\.3\.0$/);
    expect(() => resolve('>2.0.0')).toThrow(/; prereleases 2\.1\.0-rc\.1, 3\.0\.0-alpha\.0 match with includePrerelease$/);
  });

  it('refuses a request that is neither a range nor a tag', () => {
    expect(() => resolve('newest')).toThrow('hello: "newest" is neither a valid semver range nor a dist-tag; dist-tags: latest, next, old, gone');
    expect(() => resolve('^^1')).toThrow(ResolveError);
  });
});

describe('resolveVersion: for a dependent (requestedBy)', () => {
  it('names the plugin and version that asked, and the range it asked for', () => {
    const options = { requestedBy: 'needs-newer@0.1.0' };
    const render = documentOf({ '0.1.0': {}, '0.2.0': { yanked: true } }, { beta: '0.1.0' }, 'md-render');
    expect(() => resolveVersion(render, '^2', options)).toThrow(
      new ResolveError('needs-newer@0.1.0 requires md-render@^2: no version matches (available: 0.1.0)', ['0.1.0'], { plugin: 'md-render' }),
    );
    expect(() => resolveVersion(render, '0.3.0', options)).toThrow(
      'needs-newer@0.1.0 requires md-render@0.3.0: version 0.3.0 is not published (available: 0.1.0)',
    );
    expect(() => resolveVersion(render, 'next', options)).toThrow(
      'needs-newer@0.1.0 requires md-render@next: "next" is neither a valid semver range nor a dist-tag; dist-tags: beta',
    );
    expect(() => resolveVersion(documentOf({}, {}, 'md-render'), '^1', options)).toThrow(
      'needs-newer@0.1.0 requires md-render@^1: md-render has no published versions',
    );
  });
});

describe('resolveVersion: exact versions', () => {
  it('returns an exact version, also a prerelease', () => {
    expect(resolve('1.0.0')).toBe('1.0.0');
    expect(resolve('=1.0.0')).toBe('1.0.0');
    expect(resolve('v1.0.0')).toBe('1.0.0');
    expect(resolve('2.1.0-rc.1')).toBe('2.1.0-rc.1');
  });

  it('returns a yanked version when asked for exactly', () => {
    const resolved = resolveVersion(doc, '1.3.0');
    expect(resolved.version).toBe('1.3.0');
    expect(resolved.entry.yanked).toBe(true);
  });

  it('refuses an exact version that is not published', () => {
    expect(() => resolve('1.1.0')).toThrow('hello: version 1.1.0 is not published (available: 1.0.0, 1.2.0,');
  });
});

describe('resolveVersion: dist-tags', () => {
  it('follows tags, latest included', () => {
    expect(resolve('latest')).toBe('2.0.0');
    expect(resolve('next')).toBe('2.1.0-rc.1');
  });

  it('refuses a tag that points at a missing or yanked version', () => {
    expect(() => resolve('gone')).toThrow('hello: dist-tag "gone" points at 9.9.9, which is not published');
    expect(() => resolve('old')).toThrow('hello: dist-tag "old" points at 1.3.0, which is yanked');
  });

  it('falls back to the highest stable version when latest points at a yanked one', () => {
    const yankedLatest = documentOf({ '1.0.0': {}, '1.1.0': {}, '1.2.0': { yanked: true } }, { latest: '1.2.0' });
    expect(resolveVersion(yankedLatest, 'latest').version).toBe('1.1.0');
  });

  it('treats latest without a tag as the highest stable version', () => {
    const untagged = documentOf({ '1.0.0': {}, '1.1.0': {}, '2.0.0-beta.1': {}, '1.5.0': { yanked: true } });
    expect(resolveVersion(untagged, 'latest').version).toBe('1.1.0');
  });

  it('refuses an unknown tag', () => {
    expect(() => resolve('canary')).toThrow(/"canary" is neither a valid semver range nor a dist-tag/);
  });
});

describe('resolveVersion: host compatibility', () => {
  const hosted = documentOf({
    '1.0.0': { host: '^1.0.0' },
    '1.1.0': { host: '^1.2.0' },
    '1.2.0': { host: '^2.0.0' },
    '1.3.0': {},
    '2.0.0': { host: '>=3' },
  });

  it('skips versions the host cannot run', () => {
    expect(resolveVersion(hosted, '~1.0 || ~1.1 || ~1.2', { hostVersion: '1.4.0' }).version).toBe('1.1.0');
    expect(resolveVersion(hosted, '<1.2', { hostVersion: '1.0.0' }).version).toBe('1.0.0');
    expect(resolveVersion(hosted, '^1', { hostVersion: '1.0.0' }).version).toBe('1.3.0');
    expect(resolveVersion(hosted, '^1', { hostVersion: '2.5.0' }).version).toBe('1.3.0');
    expect(resolveVersion(hosted, '^2', { hostVersion: '3.0.0' }).version).toBe('2.0.0');
  });

  it('lets a prerelease host satisfy its own major range', () => {
    expect(resolveVersion(hosted, '1.2.0', { hostVersion: '2.1.0-rc.1' }).version).toBe('1.2.0');
  });

  it('throws CompatibilityError when versions match but none runs on this host', () => {
    const error = caught(() => resolveVersion(hosted, '^2', { hostVersion: '1.4.0' }));
    expect(error).toBeInstanceOf(CompatibilityError);
    expect(error.message).toBe('hello@2.0.0 needs host >=3, this host is 1.4.0');
    const compat = error as CompatibilityError;
    expect(compat.required).toBe('>=3');
    expect(compat.hostVersion).toBe('1.4.0');
    expect(compat.plugin).toBe('hello');
    expect(compat.version).toBe('2.0.0');
    expect(() => resolveVersion(hosted, '~1.1 || ~1.2', { hostVersion: '1.0.0' })).toThrow(
      'hello@1.2.0 needs host ^2.0.0, this host is 1.0.0; no version matching "~1.1 || ~1.2" runs on it',
    );
  });

  it('checks exact versions and explicit tags against the host too', () => {
    expect(() => resolveVersion(hosted, '1.2.0', { hostVersion: '1.4.0' })).toThrow(CompatibilityError);
    const tagged = { ...hosted, distTags: { latest: '2.0.0', stable: '2.0.0' } };
    expect(() => resolveVersion(tagged, 'stable', { hostVersion: '2.0.0' })).toThrow('hello@2.0.0 needs host >=3, this host is 2.0.0');
  });

  it('falls back from a latest tag the host cannot run to the newest usable version below it', () => {
    const tagged = { ...hosted, distTags: { latest: '1.2.0' } };
    expect(resolveVersion(tagged, 'latest', { hostVersion: '1.4.0' }).version).toBe('1.1.0');
    expect(resolveVersion({ ...hosted, distTags: { latest: '2.0.0' } }, 'latest', { hostVersion: '2.0.0' }).version).toBe('1.3.0');
    expect(() => resolveVersion(tagged, 'latest', { hostVersion: '9.0.0' })).toThrow(CompatibilityError);
  });

  it('lists the newer matching versions it skipped for the host, with why', () => {
    expect(resolveVersion(hosted, '~1.0 || ~1.1 || ~1.2', { hostVersion: '1.4.0' }).skipped).toEqual([
      { version: '1.2.0', reason: 'needs host ^2.0.0, this host is 1.4.0' },
    ]);
    expect(resolveVersion(hosted, '^1', { hostVersion: '1.0.0' }).skipped).toBeUndefined();
    expect(resolveVersion({ ...hosted, distTags: { latest: '2.0.0' } }, 'latest', { hostVersion: '2.0.0' }).skipped).toEqual([
      { version: '2.0.0', reason: 'needs host >=3, this host is 2.0.0' },
    ]);
    expect(resolveVersion(hosted, '~1.0 || ~1.1 || ~1.2').skipped).toBeUndefined();
  });

  it('names the dependent that asked when nothing it accepts runs on the host', () => {
    expect(() => resolveVersion(hosted, '^2', { hostVersion: '1.4.0', requestedBy: 'app@1.0.0' })).toThrow(
      'app@1.0.0 requires hello@^2: hello@2.0.0 needs host >=3, this host is 1.4.0',
    );
  });

  it('still prefers ResolveError when nothing matches the range at all', () => {
    expect(() => resolveVersion(hosted, '^9', { hostVersion: '1.0.0' })).toThrow(ResolveError);
  });

  it('refuses an invalid host version', () => {
    expect(() => resolveVersion(hosted, '^1', { hostVersion: 'one' })).toThrow(UsageError);
  });
});

describe('resolveVersion: empty documents', () => {
  it('says the plugin has no published versions', () => {
    const error = caught(() => resolveVersion(documentOf({}), 'latest'));
    expect(error).toBeInstanceOf(ResolveError);
    expect(error.message).toBe('hello has no published versions');
    expect((error as ResolveError).available).toEqual([]);
  });

  it('lists "none" when every version is yanked', () => {
    const yanked = documentOf({ '1.0.0': { yanked: true } });
    expect(() => resolveVersion(yanked, '^1')).toThrow('hello: no version matches "^1" (available: none); yanked: 1.0.0');
    expect(resolveVersion(yanked, '1.0.0').version).toBe('1.0.0');
  });
});

describe('checkCompatibility', () => {
  it('accepts a host that satisfies engines.host, or a manifest without it', () => {
    expect(() => checkCompatibility({ name: 'hello', version: '1.2.0', engines: { host: '^1.0.0' } }, '1.4.0')).not.toThrow();
    expect(() => checkCompatibility({ name: 'hello', version: '1.2.0' }, '0.0.1')).not.toThrow();
    expect(() => checkCompatibility({ name: 'hello', version: '1.2.0', engines: {} }, '0.0.1')).not.toThrow();
  });

  it('throws CompatibilityError naming plugin, version, range and host', () => {
    const error = caught(() => checkCompatibility({ name: 'hello', version: '1.2.0', engines: { host: '^2.0.0' } }, '1.4.0'));
    expect(error).toBeInstanceOf(CompatibilityError);
    expect(error.message).toBe('hello@1.2.0 needs host ^2.0.0, this host is 1.4.0');
    expect((error as CompatibilityError).code).toBe('E_COMPATIBILITY');
  });

  it('treats an invalid engines.host as incompatible and says so', () => {
    expect(() => checkCompatibility({ name: 'hello', version: '1.2.0', engines: { host: 'soon' } }, '1.4.0')).toThrow(
      'hello@1.2.0 needs host soon (not a valid semver range), this host is 1.4.0',
    );
  });

  it('never satisfies an engines.host longer than 256 characters, without parsing it (a hostile document can carry megabytes)', () => {
    const host = '1 '.repeat(1_000_000);
    let thrown: unknown;
    try {
      checkCompatibility({ name: 'hello', version: '1.2.0', engines: { host } }, '1.0.0');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CompatibilityError);
    expect((thrown as Error).message).toMatch(/^hello@1\.2\.0 needs host (1 ){32}… \(longer than 256 characters\), this host is 1\.0\.0$/);
  });
});

describe('isExactVersion', () => {
  it.each([
    ['1.2.3', true],
    ['=1.2.3', true],
    ['v1.2.3', true],
    ['1.2.3-beta.1', true],
    ['^1.2.3', false],
    ['1.2', false],
    ['1.x', false],
    ['>=1.2.3', false],
    ['latest', false],
    ['', false],
  ])('%j → %s', (range, exact) => {
    expect(isExactVersion(range)).toBe(exact);
  });
});
