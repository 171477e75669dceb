/**
 * Helpers for the trust tests: a registry with signing over a temp data
 * directory (or memory), and envelope checks done with crypto.subtle directly
 * (independent of the host's verifier).
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { expect } from 'vitest';
import {
  createFileTokenStore,
  createFsStorage,
  createFsSigningStore,
  createMemoryStorage,
  createMemoryTokenStore,
  createMemorySigningStore,
  createRegistry,
  type RegistryStorage,
  type SigningOptions,
  type SigningStore,
} from '../../registry-server/index.js';
import { base64ToBytes, signatureInput, type Envelope, type PublicKeyEntry } from '../../src/core/trust/envelope.js';
import { ORIGIN, onCleanup, tempDir } from './helpers.js';

/** The Accept header hosts with trustedKeys send. */
export const ENVELOPE_ACCEPT = { accept: 'application/vnd.plughub.envelope+json' };

/** A signing registry for one test. */
export interface TrustRegistry {
  fetch(request: Request): Promise<Response>;
  storage: RegistryStorage;
  trust: SigningStore;
  adminToken: string;
  directory?: string;
}

/** Creates a signing registry over a temp data directory (default) or memory. */
export async function trustRegistry(options: { driver?: 'fs' | 'memory'; now?: () => number; signing?: Partial<SigningOptions> } = {}): Promise<TrustRegistry> {
  if (options.driver === 'memory') {
    const storage = createMemoryStorage();
    const tokens = createMemoryTokenStore();
    const trust = createMemorySigningStore();
    const { token } = await tokens.create({ admin: true, publish: [] });
    const registry = createRegistry({ storage, tokens, signing: { store: trust, ...options.signing }, ...(options.now ? { now: options.now } : {}) });
    return { fetch: registry.fetch, storage, trust, adminToken: token };
  }
  const directory = await tempDir();
  const storage = createFsStorage(directory);
  onCleanup(() => storage.close());
  const tokens = createFileTokenStore(directory);
  const trust = createFsSigningStore(directory);
  const { token } = await tokens.create({ admin: true, publish: [] });
  const registry = createRegistry({ storage, tokens, signing: { store: trust, ...options.signing }, ...(options.now ? { now: options.now } : {}) });
  await storage.listPlugins();
  return { fetch: registry.fetch, storage, trust, adminToken: token, directory };
}

/** A GET asking for the envelope. */
export function getEnvelope(registry: Pick<TrustRegistry, 'fetch'>, path: string): Promise<Response> {
  return registry.fetch(new Request(`${ORIGIN}${path}`, { headers: ENVELOPE_ACCEPT }));
}

/** True when `sig` (base64) is a valid Ed25519 signature of the envelope by `publicKey` (base64 raw). */
export async function signatureVerifies(envelope: Envelope, publicKey: string, sig: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(base64ToBytes(publicKey)), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify(
    { name: 'Ed25519' },
    key,
    new Uint8Array(base64ToBytes(sig)),
    new Uint8Array(signatureInput(envelope.payloadType, envelope.payload)),
  );
}

/** Expects every listed key to have a verifying signature on the envelope; resolves to the parsed payload. */
export async function expectSignedBy(envelope: Envelope, keys: PublicKeyEntry[]): Promise<Record<string, any>> {
  for (const key of keys) {
    const signature = envelope.signatures.find((s) => s.keyid === key.keyid);
    expect(signature, `signature by ${key.keyid}`).toBeDefined();
    expect(await signatureVerifies(envelope, key.publicKey, signature!.sig)).toBe(true);
  }
  return JSON.parse(envelope.payload) as Record<string, any>;
}

/** The keys of the registry's newest keys envelope (trusted on first use in tests, then checked). */
export async function currentKeys(registry: Pick<TrustRegistry, 'fetch'>): Promise<{ envelope: Envelope; keys: PublicKeyEntry[]; version: number }> {
  const response = await getEnvelope(registry, '/v1/keys');
  expect(response.status).toBe(200);
  const envelope = (await response.json()) as Envelope;
  const payload = JSON.parse(envelope.payload) as { keys: PublicKeyEntry[]; version: number };
  await expectSignedBy(envelope, payload.keys);
  return { envelope, keys: payload.keys, version: payload.version };
}

/** A plain static file server: a path is a file under `root`; a directory redirects to `…/` and serves its index.html. */
export async function staticServer(root: string): Promise<string> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      const file = normalize(join(root, path));
      const info = file.startsWith(root) ? await stat(file).catch(() => undefined) : undefined;
      if (info?.isDirectory() && !path.endsWith('/')) {
        response.writeHead(301, { location: `${path}/` }).end();
      } else if (info === undefined) {
        response.writeHead(404).end();
      } else {
        const bytes = await readFile(info.isDirectory() ? join(file, 'index.html') : file);
        response.writeHead(200, { 'content-length': bytes.byteLength }).end(bytes);
      }
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  onCleanup(() => new Promise<void>((done) => server.close(() => done())));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}
