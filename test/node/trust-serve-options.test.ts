/**
 * The operator's signing key and identity at serve time: `plughub serve
 * --signing-key FILE --registry-id ID` on an empty data directory creates the
 * keyring with that key and identity (child process, port 0); a later start
 * with the same options serves, one with another identity or another key is
 * refused with a clear error, and a key file whose private half does not
 * match its public key is refused before anything is created.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/core/trust/envelope.js';
import { cli } from '../e2e/cli-harness.js';
import { tempDir } from '../registry-server/helpers.js';
import { startServer } from '../registry-server/processes.js';
import { expectSignedBy } from '../registry-server/trust-helpers.js';

interface KeyFile {
  keyid: string;
  publicKey: string;
  privateKey: string;
}

async function keyFile(dir: string, name: string): Promise<KeyFile> {
  const generated = await cli(['keys', 'generate', '--out', name], { cwd: dir });
  expect(generated.code, generated.stderr).toBe(0);
  return JSON.parse(await readFile(join(dir, name), 'utf8')) as KeyFile;
}

async function stop(server: Awaited<ReturnType<typeof startServer>>): Promise<void> {
  server.process.kill('SIGTERM');
  await server.exited;
}

describe('plughub serve --signing-key --registry-id', () => {
  it('creates the keyring with the given key and identity, and keeps to them', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const data = join(dir, 'data');
    const key = await keyFile(dir, 'registry-key.json');
    const options = ['--signing-key', join(dir, 'registry-key.json'), '--registry-id', 'acme-registry'];
    const first = await startServer(data, options);
    const [, keyid, registry] = await first.waitForLine(/^created signing key ([0-9a-f]{64}) for .* \(registry (.*)\)$/);
    expect(keyid).toBe(key.keyid);
    expect(registry).toBe('acme-registry');
    const response = await fetch(`${first.url}/v1/keys`, { headers: { accept: 'application/vnd.plughub.envelope+json' } });
    const payload = await expectSignedBy((await response.json()) as Envelope, [key]);
    expect(payload).toMatchObject({ type: 'keys', registry: 'acme-registry', version: 1, keys: [{ keyid: key.keyid, publicKey: key.publicKey }] });
    await stop(first);

    // The same options again: it serves, and says nothing about creating keys.
    const again = await startServer(data, options);
    expect(again.output()).not.toMatch(/created signing key/);
    await stop(again);

    const otherId = await cli(['serve', '--port', '0', '--data', data, '--registry-id', 'evil-registry'], { cwd: dir });
    expect(otherId.code).toBe(1);
    expect(otherId.stderr).toMatch(/already has the registry identity "acme-registry", not "evil-registry".*cannot change/);
    await keyFile(dir, 'other-key.json');
    const otherKey = await cli(['serve', '--port', '0', '--data', data, '--signing-key', 'other-key.json'], { cwd: dir });
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toMatch(new RegExp(`already signs with ${key.keyid}, not with the given key .*plughub keys rotate --signing-key FILE`));
    expect((await cli(['keys', 'show', '--data', data, '--registry', 'evil-registry'], { cwd: dir })).stderr).toMatch(/cannot change/);
    const shown = await cli(['keys', 'show', '--data', data, '--json'], { cwd: dir });
    expect(JSON.parse(shown.stdout)).toMatchObject({ registry: 'acme-registry', keysVersion: 1, keys: [{ keyid: key.keyid }] });
  });

  it('refuses a key file whose private key is not the one of its public key, or an unusable identity', async () => {
    const dir = await tempDir();
    const one = await keyFile(dir, 'one.json');
    const two = await keyFile(dir, 'two.json');
    await writeFile(join(dir, 'mixed.json'), JSON.stringify({ ...one, privateKey: two.privateKey }));
    const mixed = await cli(['serve', '--port', '0', '--data', 'data', '--signing-key', 'mixed.json'], { cwd: dir });
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/mixed\.json: the private key does not belong to the public key/);
    await writeFile(join(dir, 'junk.json'), JSON.stringify({ ...one, privateKey: 'AAAA' }));
    expect((await cli(['serve', '--data', 'data', '--signing-key', 'junk.json'], { cwd: dir })).stderr).toMatch(/not a base64 PKCS#8 Ed25519 key/);
    expect((await cli(['serve', '--data', 'data', '--registry-id', ''], { cwd: dir })).stderr).toMatch(/--registry-id must be/);
    const rotated = await cli(['keys', 'rotate', '--data', 'data', '--signing-key', 'mixed.json'], { cwd: dir });
    expect(rotated.stderr).toMatch(/does not belong/);
  });
});
