/**
 * The read path of manifests: a host loads versions published before the
 * publish bounds held (a 301-character description, 40 maintainers, 10 KiB
 * of unknown fields) — as the requested plugin, as a dependency and as an
 * upgrade — while `parseManifest` keeps every bound for pack and publish.
 * What a host acts on stays bounded on the read path: nesting depth,
 * prototype keys, 1 MiB of JSON, 256 dependencies, range and source.path
 * lengths.
 */
import { describe, expect, it } from 'vitest';
import { ManifestError, type ManifestIssue } from '../../../src/core/errors/index.js';
import { MANIFEST_READ_LIMITS, parseManifest } from '../../../src/core/plugin/manifest.js';
import { publish, setup } from '../host/fixture.js';
import { LEGACY_FIELDS } from './legacy-manifest.js';

const valid = { name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } };

/** The issues of the read path for `valid` with `patch` applied. */
function readIssues(patch: Record<string, unknown>): ManifestIssue[] {
  try {
    parseManifest({ ...valid, ...patch }, {}, { strict: false });
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues;
  }
  throw new Error('expected the read path to refuse the manifest');
}

describe('parseManifest on the read path', () => {
  it('accepts what only the publish bounds refuse; strict parsing (the default) still refuses it', () => {
    const manifest = parseManifest({ ...valid, ...LEGACY_FIELDS }, {}, { strict: false });
    expect(manifest.description).toHaveLength(301);
    expect(manifest.maintainers).toHaveLength(40);
    expect(manifest.notes).toHaveLength(10 * 1024);
    expect(() => parseManifest({ ...valid, ...LEGACY_FIELDS })).toThrow(/unknown fields \(notes\) take \d+ bytes: at most 8192 are allowed/);
    const { notes: _, ...listed } = LEGACY_FIELDS;
    expect(() => parseManifest({ ...valid, ...listed }, {}, { strict: true })).toThrow(
      /description: must be at most 300 characters; maintainers: must hold at most 32 entries/,
    );
  });

  it('keeps the checks that make it safe to act on', () => {
    let deep: unknown = 'end';
    for (let i = 0; i < 16; i++) deep = { a: deep };
    expect(readIssues({ extra: deep })[0]?.message).toBe('is nested deeper than 16 levels');
    expect(readIssues(JSON.parse('{"extra":{"__proto__":{"polluted":true}}}'))[0]?.message).toMatch(/__proto__/);
    expect(readIssues({ notes: 'n'.repeat(MANIFEST_READ_LIMITS.jsonBytes) })[0]?.message).toMatch(/at most 1048576 are allowed/);
    const dependencies = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`dep${i}`, '^1']));
    expect(readIssues({ dependencies })).toContainEqual({ path: 'dependencies', message: 'must hold at most 256 entries' });
    expect(readIssues({ engines: { host: `>=1.0.0 ${'<2 '.repeat(100)}` } })).toContainEqual({
      path: 'engines.host',
      message: 'must be at most 256 characters',
    });
    expect(readIssues({ dependencies: { lib: `>=1.0.0 ${'<2 '.repeat(100)}` } })).toContainEqual({
      path: 'dependencies.lib',
      message: 'must be at most 256 characters',
    });
    expect(readIssues({ source: { mode: 'esm', path: `${'a/'.repeat(512)}x.js` } })).toContainEqual({
      path: 'source.path',
      message: 'must be at most 1024 characters',
    });
  });
});

describe('a host reading versions published before the bounds', () => {
  it('loads such a version, and a dependency that is one too', async () => {
    const { registry, host } = setup();
    await publish(registry, 'lib', '1.0.0', 'export function execute() { return "lib"; }', LEGACY_FIELDS);
    await publish(registry, 'hello', '1.0.0', 'export function execute() { return "hello"; }', { ...LEGACY_FIELDS, dependencies: { lib: '^1' } });
    const h = host();
    const loaded = await h.load('hello');
    expect(loaded.manifest.description).toHaveLength(301);
    expect(await h.execute('hello')).toBe('hello');
    expect(await h.execute('lib')).toBe('lib');
  });

  it('upgrades to such a version', async () => {
    const { registry, host } = setup();
    await publish(registry, 'hello', '1.0.0', 'export function execute() { return 1; }');
    const h = host();
    await h.load('hello@^1');
    await publish(registry, 'hello', '1.1.0', 'export function execute() { return 2; }', LEGACY_FIELDS);
    expect((await h.upgrade('hello')).version).toBe('1.1.0');
    expect(await h.execute('hello')).toBe(2);
  });
});
