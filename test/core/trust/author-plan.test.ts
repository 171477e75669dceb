/**
 * `authorKeys` and dependencies: a compromised registry (it holds the
 * registry signing key, never an author key) must not get code of its own
 * to run through the dependencies of a plugin the host requires author
 * signatures for. (a) An unsigned version that depends on a plugin of the
 * registry's is refused before anything of the plan is imported; (b) a
 * dependency added to the manifest of an author-signed version (and the
 * document re-signed by the registry) is refused, because the author
 * signature covers `dependencies` and `engines`. The same holds on upgrade.
 * Every "evil" plugin records at import and at activate that it ran.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_PAYLOAD_TYPE, authorSignatureInput, legacyAuthorSignatureInput, signBytes, signEnvelope } from '../../../src/core/trust/envelope.js';
import { canonicalJson } from '../../../src/core/trust/canonical-json.js';
import { createMemoryTrustStore } from '../../../src/core/trust/memory-trust-store.js';
import { MAX_PLAN_PLUGINS } from '../../../src/core/host/plan.js';
import { publish, setup } from '../host/fixture.js';
import { signedSetup, testKey, type TestKey } from './fixture.js';

const HELLO = 'export default { execute: () => "hello" };';
const ran: string[] = [];
(globalThis as { __pluginRan?: string[] }).__pluginRan = ran;
/** A plugin whose import and activate leave a trace in `ran`. */
const evil = (tag: string) =>
  `globalThis.__pluginRan.push('${tag} imported');
   export default { activate() { globalThis.__pluginRan.push('${tag} activated'); }, execute: () => '${tag}' };`;

afterEach(() => void ran.splice(0));

type Entry = { manifest: Record<string, unknown>; dist: { integrity: string }; authorSignatures?: unknown };
type Signed = { document: { versions: Record<string, Entry> } };

async function world() {
  const t = await signedSetup();
  const author = await testKey();
  const trustStore = createMemoryTrustStore();
  const host = (extra: Parameters<typeof t.host>[0] = {}) =>
    t.host({ trustedKeys: [t.key.publicKey], trustStore, authorKeys: { '@acme/*': [author.publicKey] }, ...extra });

  /**
   * Serves `name`'s document, registry-signed, with `edit` applied to its
   * entries after the author signatures were made (`authors` sign each
   * listed version; `legacy` uses the old signature that covers no manifest field).
   */
  async function serve(name: string, sign: Record<string, TestKey[]>, edit: (versions: Record<string, Entry>) => void = () => {}, legacy = false) {
    const payload = JSON.parse((await t.signDocument(name)).payload) as Signed;
    for (const [version, authors] of Object.entries(sign)) {
      const entry = payload.document.versions[version]!;
      const input = legacy
        ? legacyAuthorSignatureInput(name, version, entry.dist.integrity)
        : authorSignatureInput(name, version, entry.dist.integrity, entry.manifest);
      entry.authorSignatures = await Promise.all(authors.map(async (a) => ({ keyid: a.keyid, sig: await signBytes(a.signing.privateKey, input) })));
    }
    edit(payload.document.versions);
    const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, payload, t.state.signers);
    t.serve(name, () => t.json(envelope));
  }
  return { ...t, author, trustStore, host, serve };
}

describe('authorKeys and the load plan', () => {
  it('(a) refuses an unsigned version before its dependency, a plugin of the registry, is imported or even downloaded', async () => {
    const t = await world();
    await publish(t.registry, 'evil', '1.0.0', evil('evil'));
    await publish(t.registry, '@acme/app', '2.0.0', HELLO, { dependencies: { evil: '^1' } });
    const host = t.host();
    await expect(host.load('@acme/app')).rejects.toMatchObject({
      name: 'SignatureError',
      code: 'E_SIGNATURE',
      message: expect.stringContaining('@acme/app@2.0.0'),
    });
    expect(ran).toEqual([]);
    expect(host.list()).toEqual([]);
    expect(t.blobRequests()).toEqual([]);
  });

  it('(b) refuses a dependency the registry added to an author-signed version and re-signed', async () => {
    const t = await world();
    await publish(t.registry, 'evil', '1.0.0', evil('evil'));
    await publish(t.registry, '@acme/app', '1.0.0', HELLO);
    const addEvil = (versions: Record<string, Entry>) => void (versions['1.0.0']!.manifest.dependencies = { evil: '^1' });
    await t.serve('@acme/app', { '1.0.0': [t.author] }, addEvil);
    const host = t.host();
    await expect(host.load('@acme/app')).rejects.toMatchObject({ name: 'SignatureError', message: expect.stringContaining('no author signature') });
    expect(ran).toEqual([]);
    expect(host.list()).toEqual([]);
    // The same with the old signature format, which covers no manifest field: refused as soon as there is a dependency.
    await t.serve('@acme/app', { '1.0.0': [t.author] }, addEvil, true);
    await expect(host.load('@acme/app')).rejects.toMatchObject({ name: 'SignatureError', message: expect.stringContaining('does not cover') });
    expect(ran).toEqual([]);
    expect(t.blobRequests()).toEqual([]);
  });

  it('refuses an author-signed version whose engines the registry changed', async () => {
    const t = await world();
    await publish(t.registry, '@acme/app', '1.0.0', HELLO, { engines: { host: '^1' } });
    await t.serve('@acme/app', { '1.0.0': [t.author] }, (versions) => void (versions['1.0.0']!.manifest.engines = { host: '*' }));
    await expect(t.host({ hostVersion: '2.0.0' }).load('@acme/app')).rejects.toMatchObject({ name: 'SignatureError' });
  });

  it('loads an author-signed version with its dependencies; the old signature still holds for a version without any', async () => {
    const t = await world();
    await publish(t.registry, 'lib', '1.0.0', evil('lib'));
    await publish(t.registry, '@acme/app', '1.0.0', HELLO, { dependencies: { lib: '^1' } });
    await publish(t.registry, '@acme/old', '1.0.0', HELLO);
    await t.serve('@acme/app', { '1.0.0': [t.author] });
    await t.serve('@acme/old', { '1.0.0': [t.author] }, undefined, true);
    const host = t.host();
    expect((await host.load('@acme/app')).version).toBe('1.0.0');
    // `lib` is covered by no pattern: the signed dependency list is what vouches for it.
    expect(ran).toEqual(['lib imported', 'lib activated']);
    expect((await host.load('@acme/old')).version).toBe('1.0.0');
  });

  it("'*' covers every name, and each dependency must satisfy the policy of its own name (exact name, then @scope/*, then '*')", async () => {
    const t = await world();
    const libAuthor = await testKey();
    await publish(t.registry, 'lib', '1.0.0', evil('lib'));
    await publish(t.registry, '@acme/app', '1.0.0', HELLO, { dependencies: { lib: '^1' } });
    await t.serve('@acme/app', { '1.0.0': [t.author] });
    const policy = { '*': [libAuthor.publicKey], '@acme/*': [t.author.publicKey] };
    await expect(t.host({ authorKeys: policy }).load('@acme/app')).rejects.toMatchObject({
      name: 'SignatureError',
      message: expect.stringContaining('lib@1.0.0'),
    });
    expect(ran).toEqual([]);
    // Signed by the key of '@acme/*', not of '*': still refused for lib.
    await t.serve('lib', { '1.0.0': [t.author] });
    await expect(t.host({ authorKeys: policy }).load('@acme/app')).rejects.toMatchObject({
      name: 'SignatureError',
      message: expect.stringContaining('lib@1.0.0'),
    });
    expect(ran).toEqual([]);
    await t.serve('lib', { '1.0.0': [libAuthor] });
    expect((await t.host({ authorKeys: policy }).load('@acme/app')).version).toBe('1.0.0');
    expect(ran).toEqual(['lib imported', 'lib activated']);
    // An exact name wins over '*'.
    await expect(t.host({ authorKeys: { ...policy, lib: [t.author.publicKey] } }).load('lib')).rejects.toMatchObject({ name: 'SignatureError' });
  });

  it('refuses an upgrade to an unsigned version before its new dependency is imported', async () => {
    const t = await world();
    await publish(t.registry, '@acme/app', '1.0.0', HELLO);
    await t.serve('@acme/app', { '1.0.0': [t.author] });
    const host = t.host();
    await host.load('@acme/app');
    await publish(t.registry, 'evil', '1.0.0', evil('evil'));
    await publish(t.registry, '@acme/app', '1.1.0', HELLO, { dependencies: { evil: '^1' } });
    await t.serve('@acme/app', { '1.0.0': [t.author] });
    await expect(host.upgrade('@acme/app')).rejects.toMatchObject({ name: 'SignatureError', message: expect.stringContaining('@acme/app@1.1.0') });
    expect(ran).toEqual([]);
    expect(host.list().map((p) => `${p.name}@${p.version}`)).toEqual(['@acme/app@1.0.0']);
  });

  it('checks every plugin of the plan before any is imported: a dependency whose bundle fails integrity stops the whole load', async () => {
    const t = await world();
    await publish(t.registry, 'lib', '1.0.0', evil('lib'));
    await publish(t.registry, 'broken', '1.0.0', HELLO);
    await publish(t.registry, '@acme/app', '1.0.0', HELLO, { dependencies: { lib: '^1', broken: '^1' } });
    await t.serve('@acme/app', { '1.0.0': [t.author] });
    await t.serve('broken', {}, (versions) => void (versions['1.0.0']!.dist.integrity = `sha256-${'A'.repeat(43)}=`));
    await expect(t.host().load('@acme/app')).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(ran).toEqual([]);
  });
});

describe('the signed manifest fields and the plan bounds', () => {
  it('writes the signed fields canonically: sorted keys, no spaces, absent fields left out', () => {
    expect(canonicalJson({ b: { z: 1, a: [true, null, 'x'] }, a: '\u2028' })).toBe('{"a":"\u2028","b":{"a":[true,null,"x"],"z":1}}');
    const input = (manifest: unknown) => new TextDecoder().decode(authorSignatureInput('hello', '1.0.0', 'sha256-x', manifest));
    expect(input({ name: 'hello', description: 'not signed' })).toBe('plughub-author-v2\nhello\n1.0.0\nsha256-x\n{}');
    expect(input({ engines: { host: '^1' }, dependencies: { zeta: '^2', alpha: '1.x' } })).toBe(
      'plughub-author-v2\nhello\n1.0.0\nsha256-x\n{"dependencies":{"alpha":"1.x","zeta":"^2"},"engines":{"host":"^1"}}',
    );
  });

  it('refuses signed fields nested too deep with a SignatureError, not a stack overflow', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i += 1) deep = { deep };
    const error = (() => {
      try {
        authorSignatureInput('hello', '1.0.0', 'sha256-x', { engines: deep });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toMatchObject({ name: 'SignatureError', message: expect.stringContaining('nested deeper than 16') });
  });

  it(`refuses a plan of more than ${MAX_PLAN_PLUGINS} plugins before fetching any bundle`, async () => {
    const { registry, host } = setup();
    for (let i = 0; i <= MAX_PLAN_PLUGINS; i += 1) {
      await publish(registry, `p${i}`, '1.0.0', evil(`p${i}`), i < MAX_PLAN_PLUGINS ? { dependencies: { [`p${i + 1}`]: '^1' } } : {});
    }
    await expect(host().load('p0')).rejects.toMatchObject({ name: 'ResolveError', message: expect.stringContaining(`more than ${MAX_PLAN_PLUGINS} plugins`) });
    expect(ran).toEqual([]);
    expect(registry.requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/blobs/'))).toEqual([]);
  });
});
