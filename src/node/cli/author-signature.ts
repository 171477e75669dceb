/**
 * Author signing for `plughub publish --sign-key FILE`: reads author key
 * files (`{ keyid, publicKey, privateKey }`, base64, as `plughub keys
 * generate` writes them), signs the version 2 author signature input
 * (envelope.ts authorSignatureInput: `"plughub-author-v2\n" + name + "\n" +
 * version + "\n" + integrity + "\n" +` the canonical JSON of plugin.json's
 * `dependencies` and `engines`) of the package, and builds the
 * `Plughub-Author-Signature` request header the registry checks. The same
 * file format gives `plughub serve` and `plughub keys rotate` the registry's
 * signing key (`--signing-key FILE`), read by readSigningKeyFile.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors/index.js';
import { computeIntegrity } from '../../core/integrity.js';
import { bytesToStream, readPlg } from '../../core/plg/index.js';
import {
  authorSignatureInput,
  base64ToBytes,
  importPublicKey,
  importSigningKey,
  keyIdOf,
  signBytes,
  type GeneratedSigningKey,
} from '../../core/trust/index.js';
import type { CliIO } from './command.js';

/** An author key file. */
interface AuthorKeyFile {
  keyid: string;
  publicKey: string;
  privateKey: string;
}

/** Reads and checks an author key file (the keyid must match the public key). */
async function readAuthorKey(path: string): Promise<AuthorKeyFile> {
  let parsed: Partial<AuthorKeyFile>;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<AuthorKeyFile>;
  } catch (error) {
    throw new UsageError(`cannot read the key file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const { keyid, publicKey, privateKey } = parsed;
  if (typeof keyid !== 'string' || typeof publicKey !== 'string' || typeof privateKey !== 'string') {
    throw new UsageError(`${path} is not a key file: expected { keyid, publicKey, privateKey } (plughub keys generate --out FILE)`);
  }
  if ((await keyIdOf(base64ToBytes(publicKey))) !== keyid) throw new UsageError(`${path}: keyid ${keyid} does not match its public key`);
  return { keyid, publicKey, privateKey };
}

/**
 * Reads a key file for use as the registry's signing key: the file of
 * readAuthorKey, whose private key must be an Ed25519 PKCS#8 key that is the
 * other half of its public key (checked by signing and verifying a probe).
 */
export async function readSigningKeyFile(path: string): Promise<GeneratedSigningKey> {
  const key = await readAuthorKey(path);
  let matches = false;
  try {
    const probe = new TextEncoder().encode(`plughub-key-check\n${key.keyid}`);
    const sig = base64ToBytes(await signBytes(await importSigningKey(key.privateKey), probe));
    matches = await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, await importPublicKey(key.publicKey), new Uint8Array(sig), probe);
  } catch (error) {
    throw new UsageError(`${path}: the private key is not a base64 PKCS#8 Ed25519 key (${(error as Error).message})`, { cause: error });
  }
  if (!matches) throw new UsageError(`${path}: the private key does not belong to the public key ${key.publicKey}`);
  return { keyid: key.keyid, publicKey: key.publicKey, privateKeyPkcs8: key.privateKey };
}

/** The header `{ 'plughub-author-signature': '<publicKey> <sig>[, …]' }` for a package signed with each key file. */
export async function authorSignatureHeader(io: CliIO, files: readonly string[], plgBytes: Uint8Array): Promise<Record<string, string>> {
  const plg = await readPlg(bytesToStream(plgBytes));
  const integrity = await computeIntegrity(plg.bundle);
  let input: Uint8Array;
  try {
    input = authorSignatureInput(plg.manifest.name, plg.manifest.version, integrity, plg.manifestJson);
  } catch (error) {
    throw new UsageError(`${plg.manifest.name}@${plg.manifest.version}: cannot sign plugin.json: ${(error as Error).message}`, { cause: error });
  }
  const parts: string[] = [];
  for (const file of files) {
    const key = await readAuthorKey(resolve(io.cwd, file));
    const privateKey = await importSigningKey(key.privateKey).catch((error: Error) => {
      throw new UsageError(`${file}: the private key is not a base64 PKCS#8 Ed25519 key (${error.message})`, { cause: error });
    });
    parts.push(`${key.publicKey} ${await signBytes(privateKey, input)}`);
  }
  return { 'plughub-author-signature': parts.join(', ') };
}
