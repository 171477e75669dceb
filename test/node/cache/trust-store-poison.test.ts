/**
 * The trust store kept under `<cacheDir>/trust` gives no trust of its own: a
 * local user who can write the cache directory plants a key of theirs
 * (as the trusted key set a rotation would have stored, and as a keys
 * chain signed by that key), a document envelope signed with it and the
 * bundle it names; the next host with `trustedKeys`, offline, refuses the
 * planted document with a SignatureError and runs nothing. A special file
 * (FIFO) planted in place of a trust file neither hangs the host nor counts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_PAYLOAD_TYPE, KEYS_PAYLOAD_TYPE, signEnvelope } from '../../../src/core/trust/envelope.js';
import { createFsBlobCache } from '../../../src/node/cache/blob-cache.js';
import { createFsDocumentCache } from '../../../src/node/cache/document-cache.js';
import { createFsTrustStore } from '../../../src/node/cache/trust-store.js';
import { publish } from '../../core/host/fixture.js';
import { plantedVersion, signedSetup, testKey, type TestKey } from '../../core/trust/fixture.js';
import { nodeHost, tempDir } from '../helpers.js';

const ran: string[] = [];
(globalThis as { __plantedRan?: string[] }).__plantedRan = ran;
afterEach(() => void ran.splice(0));

const DAY = 86_400_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const offline = () => Promise.reject(new TypeError('fetch failed: offline'));

/** Writes what a neighbour with write access to `cacheDir` would: a key, a keys chain, a document envelope and a bundle. */
async function plant(cacheDir: string, url: string, trusted: TestKey, registry: string) {
  const attacker = await testKey();
  const anchor = `1:${trusted.keyid}`;
  const key = { keyid: attacker.keyid, publicKey: attacker.publicKey };
  // The trusted key set as the store kept it before (its anchor is public data).
  await mkdir(join(cacheDir, 'trust', 'keys'), { recursive: true });
  const set = { keys: [key], threshold: 1, keysVersion: 7, anchor, registry };
  await writeFile(join(cacheDir, 'trust', 'keys', `${sha256(url)}.json`), JSON.stringify({ url, set }));
  // A keys chain as the store keeps it now, its one link signed by the planted key only.
  const expires = new Date(Date.now() + 365 * DAY).toISOString();
  const keysEnvelope = await signEnvelope(KEYS_PAYLOAD_TYPE, { type: 'keys', registry, version: 7, expires, keys: [key], threshold: 1 }, [attacker.signing]);
  await mkdir(join(cacheDir, 'trust', 'key-chains'), { recursive: true });
  await writeFile(
    join(cacheDir, 'trust', 'key-chains', `${sha256(url)}.json`),
    JSON.stringify({ url, chain: { anchor, registry, envelopes: [keysEnvelope] } }),
  );
  // The document and the bundle it names.
  const { bytes, integrity, document } = await plantedVersion('__plantedRan');
  await createFsBlobCache(cacheDir).put(integrity, bytes);
  const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, { type: 'document', registry, version: 99, expires, name: 'hello', document }, [attacker.signing]);
  await createFsDocumentCache(cacheDir).put({ registry: url, name: 'hello', document: document as never, envelope, fetchedAt: Date.now() });
}

describe('a poisoned trust store in the cache directory', () => {
  it('adds no key: the next host with trustedKeys refuses the planted document and runs nothing', async () => {
    const t = await signedSetup();
    await publish(t.registry, 'hello', '1.0.0', 'export default { execute: () => "hello" };');
    const cacheDir = await tempDir();
    const options = { registry: t.registry.url, cacheDir, trustedKeys: [t.key.publicKey] };
    // A real host used the directory before: its document cache and trust store exist.
    const first = await nodeHost({ ...options, fetch: t.registry.fetch });
    await first.load('hello');
    await first.close();
    await plant(cacheDir, t.registry.url, t.key, t.state.registryId);

    const host = await nodeHost({ ...options, fetch: offline });
    await expect(host.load('hello')).rejects.toMatchObject({ name: 'SignatureError', code: 'E_SIGNATURE' });
    expect(ran).toEqual([]);
    expect(host.list()).toEqual([]);
  });

  it('refuses the planted document online too, where the registry does not vouch for the planted key', async () => {
    const t = await signedSetup();
    await publish(t.registry, 'hello', '1.0.0', 'export default { execute: () => "hello" };');
    const cacheDir = await tempDir();
    await plant(cacheDir, t.registry.url, t.key, t.state.registryId);
    const host = await nodeHost({ registry: t.registry.url, cacheDir, trustedKeys: [t.key.publicKey], fetch: t.registry.fetch });
    // The registry answers its own document, signed by the trusted key: that one loads, the planted one never runs.
    expect((await host.load('hello')).version).toBe('1.0.0');
    expect(await host.execute('hello')).toBe('hello');
    expect(ran).toEqual([]);
  });

  it('reads no FIFO planted in place of a trust file: the host neither hangs nor trusts it', async () => {
    const t = await signedSetup();
    await publish(t.registry, 'hello', '1.0.0', 'export default { execute: () => "hello" };');
    const cacheDir = await tempDir();
    const fifos = [
      join(cacheDir, 'trust', 'keys', `${sha256(t.registry.url)}.json`),
      join(cacheDir, 'trust', 'key-chains', `${sha256(t.registry.url)}.json`),
      join(cacheDir, 'trust', 'versions', `${sha256(`${t.state.registryId}\ndocument hello`)}.json`),
    ];
    for (const fifo of fifos) {
      await mkdir(join(fifo, '..'), { recursive: true });
      await promisify(execFile)('mkfifo', [fifo]);
    }
    const host = await nodeHost({ registry: t.registry.url, cacheDir, trustedKeys: [t.key.publicKey], fetch: t.registry.fetch });
    expect((await host.load('hello')).version).toBe('1.0.0');
    // The versions seen are written again in place of the FIFO, and read back.
    expect(await createFsTrustStore(cacheDir).getVersion(t.state.registryId, 'document hello')).toBe(1);
  });
});
