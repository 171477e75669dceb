/**
 * plugin.json's optional `origin`, recorded by a build from git: a git URL
 * without credentials, a full commit hash, an optional ref, each bounded.
 */
import { describe, expect, it } from 'vitest';
import { isManifestError } from '../../../src/core/errors/index.js';
import { parseManifest } from '../../../src/core/plugin/index.js';

const base = { name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } };
const origin = { type: 'git', url: 'https://example.com/acme/hello.git', commit: 'c4e6c05850c2d7950e7b20f0bbae749ed2870b80', ref: 'v1.0.0' };

function issuesOf(value: unknown, strict = true): string[] {
  try {
    parseManifest({ ...base, origin: value }, {}, { strict });
  } catch (error) {
    if (isManifestError(error)) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('origin', () => {
  it('accepts a git origin over https, ssh (with a user) and file, with or without a ref, and a sha256 commit', () => {
    expect(parseManifest({ ...base, origin }).origin).toEqual(origin);
    const { ref: _ref, ...withoutRef } = origin;
    for (const value of [
      withoutRef,
      { ...origin, url: 'ssh://git@example.com/acme/hello.git' },
      { ...origin, url: 'file:///srv/git/hello' },
      { ...origin, commit: 'f'.repeat(64) },
    ]) {
      expect(issuesOf(value)).toEqual([]);
    }
  });

  it('refuses credentials, other schemes, a query, short or uppercase hashes, and an overlong ref', () => {
    expect(issuesOf({ ...origin, url: 'https://token@example.com/acme/hello.git' })).toEqual(['origin.url: must not carry credentials']);
    expect(issuesOf({ ...origin, url: 'ssh://git:pw@example.com/hello.git' })).toEqual(['origin.url: must not carry credentials']);
    expect(issuesOf({ ...origin, url: 'ext::sh -c evil' })).toEqual(['origin.url: must be an https, http, ssh, git or file URL, not ext:']);
    expect(issuesOf({ ...origin, url: 'example.com/hello.git' })).toEqual(['origin.url: must be a URL']);
    expect(issuesOf({ ...origin, url: 'javascript:alert(1)' })).toEqual(['origin.url: must be an https, http, ssh, git or file URL, not javascript:']);
    expect(issuesOf({ ...origin, url: 'https://example.com/hello.git?x=1' })).toEqual(['origin.url: must not carry a query or a fragment']);
    expect(issuesOf({ ...origin, commit: 'c4e6c05' })).toEqual(['origin.commit: must be a full commit hash (40 or 64 lowercase hex digits)']);
    expect(issuesOf({ ...origin, commit: origin.commit.toUpperCase() })).toHaveLength(1);
    expect(issuesOf({ ...origin, ref: 'v'.repeat(257) })).toEqual(['origin.ref: must be at most 256 characters']);
    expect(issuesOf({ ...origin, type: 'svn' })).toEqual(['origin.type: must be "git"']);
    expect(issuesOf({ ...origin, url: `https://example.com/${'a'.repeat(2048)}` })).toEqual(['origin.url: must be at most 2048 characters']);
  });

  it('keeps the URL checks on the read path, where the length bounds are lifted', () => {
    expect(issuesOf({ ...origin, ref: 'v'.repeat(300) }, false)).toEqual([]);
    expect(issuesOf({ ...origin, url: 'https://token@example.com/x.git' }, false)).toEqual(['origin.url: must not carry credentials']);
  });
});
