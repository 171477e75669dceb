/**
 * The browser's IndexedDB trust store gives no trust of its own. Any script
 * of the origin (a mirror serving a page of its own there, say) can write
 * the database a browser host keeps its caches in: it plants a key of its
 * own (as the key set a rotation would have stored, and as a keys chain
 * signed by that key), a document envelope signed with it and the bundle it
 * names. The next host with `trustedKeys`, offline, refuses the planted
 * document with a SignatureError and runs nothing; the store's key chain
 * round-trips and a record that is not a chain counts as absent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createIndexedDbBlobCache } from '../../src/browser/idb-blob-cache.js';
import { createIndexedDbDocumentCache } from '../../src/browser/idb-document-cache.js';
import { openCacheStore } from '../../src/browser/idb-store.js';
import { createIndexedDbTrustStore } from '../../src/browser/idb-trust-store.js';
import { DOCUMENT_PAYLOAD_TYPE, KEYS_PAYLOAD_TYPE, signEnvelope } from '../../src/core/trust/envelope.js';
import { plantedVersion, testKey } from '../core/trust/fixture.js';
import { browserSetup, freshIndexedDb } from './helpers.js';

const ran: string[] = [];
(globalThis as { __plantedRan?: string[] }).__plantedRan = ran;
afterEach(() => void ran.splice(0));

const DAY = 86_400_000;

describe('a poisoned IndexedDB trust store', () => {
  it('adds no key: the next host with trustedKeys refuses the planted document and runs nothing', async () => {
    const { registry, idb, host, setOnline } = browserSetup();
    const trusted = await testKey();
    const attacker = await testKey();
    const registryId = `plughub:${trusted.keyid}`;
    const anchor = `1:${trusted.keyid}`;
    const key = { keyid: attacker.keyid, publicKey: attacker.publicKey };
    const expires = new Date(Date.now() + 365 * DAY).toISOString();
    const keysEnvelope = await signEnvelope(KEYS_PAYLOAD_TYPE, { type: 'keys', registry: registryId, version: 7, expires, keys: [key], threshold: 1 }, [
      attacker.signing,
    ]);
    const raw = openCacheStore(idb);
    await raw.use('readwrite', async (objects) => {
      // The key set as the store kept it before, and a keys chain as it keeps it now.
      objects.put({ keys: [key], threshold: 1, keysVersion: 7, anchor, registry: registryId }, ['trust-keys', registry.url]);
      objects.put({ anchor, registry: registryId, envelopes: [keysEnvelope] }, ['trust-key-chain', registry.url]);
    });
    const { bytes, integrity, document } = await plantedVersion('__plantedRan');
    await createIndexedDbBlobCache(idb).put(integrity, bytes);
    const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, { type: 'document', registry: registryId, version: 99, expires, name: 'hello', document }, [
      attacker.signing,
    ]);
    await createIndexedDbDocumentCache(idb).put({ registry: registry.url, name: 'hello', document: document as never, envelope, fetchedAt: Date.now() });

    setOnline(false);
    const browserHost = host({ trustedKeys: [trusted.publicKey] });
    await expect(browserHost.load('hello')).rejects.toMatchObject({ name: 'SignatureError', code: 'E_SIGNATURE' });
    expect(ran).toEqual([]);
    expect(browserHost.list()).toEqual([]);
  });

  it('round-trips a key chain and treats a record that is not one as absent', async () => {
    const idb = freshIndexedDb();
    const store = createIndexedDbTrustStore(idb);
    const chain = {
      anchor: '1:ab',
      registry: 'plughub:x',
      envelopes: [{ payloadType: KEYS_PAYLOAD_TYPE, payload: '{}', signatures: [{ keyid: 'ab', sig: 'cd' }] }],
    };
    expect(await store.getKeyChain('http://a.test')).toBeUndefined();
    await store.putKeyChain('http://a.test', chain);
    expect(await store.getKeyChain('http://a.test')).toEqual(chain);
    await openCacheStore(idb).use('readwrite', async (objects) => void objects.put({ anchor: '1:ab', envelopes: 'x' }, ['trust-key-chain', 'http://a.test']));
    expect(await store.getKeyChain('http://a.test')).toBeUndefined();
  });
});
