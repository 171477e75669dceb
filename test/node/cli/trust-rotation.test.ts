/**
 * Key rotation end to end with the real CLI: `plughub serve` in a child
 * process (port 0 at first, restarted on the same port after each `plughub
 * keys rotate --data DIR`, as the rotate help says), Node hosts that trust
 * only the first key. The host that loaded a plugin under the first key
 * upgrades to a version signed by the second; a restarted host on the same
 * cache directory starts from the key set it stored and upgrades across the
 * next rotation; a
 * fresh host walks the whole chain; a host trusting an unrelated key is
 * refused and caches nothing.
 */
import { describe, expect, it } from 'vitest';
import { createFileTokenStore } from '../../../registry-server/index.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { generateSigningKey } from '../../../src/core/trust/envelope.js';
import { createFsTrustStore } from '../../../src/node/cache/trust-store.js';
import { cli } from '../../e2e/cli-harness.js';
import { tempDir } from '../../registry-server/helpers.js';
import { startServer, type Child } from '../../registry-server/processes.js';
import { storedKeys } from '../../core/trust/fixture.js';
import { nodeHost, plgBytes } from '../helpers.js';

interface ShownKeys {
  registry: string;
  keysVersion: number;
  keys: { keyid: string; publicKey: string }[];
}

async function keysCommand(args: string[]): Promise<ShownKeys> {
  const result = await cli(['keys', ...args, '--json'], { cwd: '/' });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ShownKeys;
}

/** The registry in a child process; `restart()` stops it and starts it again on the same port. */
async function registryProcess(data: string) {
  let child: Child & { url: string } = await startServer(data);
  const url = child.url;
  const port = new URL(url).port;
  return {
    url,
    async restart() {
      child.process.kill('SIGTERM');
      expect((await child.exited).code).toBe(0);
      child = await startServer(data, ['--port', port]);
      expect(child.url).toBe(url);
    },
    async stop() {
      child.process.kill('SIGTERM');
      await child.exited;
    },
  };
}

describe('plughub keys rotate, end to end', () => {
  it('hosts trusting the old key follow the chain to the new ones; an unrelated key is refused', { timeout: 60_000 }, async () => {
    const data = await tempDir();
    const { token } = await createFileTokenStore(data).create({ admin: true, publish: [] });
    const server = await registryProcess(data);
    const client = createRegistryClient({ url: server.url, token, retry: 0 });
    const publish = async (version: string) => {
      const plg = await plgBytes({
        'plugin.json': JSON.stringify({ name: 'hello', version, source: { mode: 'esm', path: 'index.js' } }),
        'index.js': `export default { execute: () => "hello ${version}" };`,
      });
      await client.publish('hello', version, plg);
    };
    const first = await keysCommand(['show', '--data', data]);
    const trustedKeys = [first.keys[0]!.publicKey];
    await publish('1.0.0');

    const cacheDir = await tempDir();
    const host = await nodeHost({ registry: server.url, trustedKeys, cacheDir });
    await host.load('hello@^1');
    expect(await host.execute('hello')).toBe('hello 1.0.0');

    const second = await keysCommand(['rotate', '--data', data]);
    expect(second).toMatchObject({ registry: first.registry, keysVersion: 2 });
    await server.restart();
    await publish('1.0.1');
    expect((await host.upgrade('hello')).version).toBe('1.0.1');
    expect(await host.execute('hello')).toBe('hello 1.0.1');
    const trustStore = createFsTrustStore(cacheDir);
    expect(await storedKeys(trustStore, server.url)).toMatchObject({ keysVersion: 2, keys: [{ keyid: second.keys[0]!.keyid }], registry: first.registry });
    await host.close();

    const restarted = await nodeHost({ registry: server.url, trustedKeys, cacheDir });
    expect((await restarted.load('hello@^1')).version).toBe('1.0.1');
    const third = await keysCommand(['rotate', '--data', data]);
    await server.restart();
    await publish('1.0.2');
    expect((await restarted.upgrade('hello')).version).toBe('1.0.2');
    expect(await restarted.execute('hello')).toBe('hello 1.0.2');
    expect(await storedKeys(trustStore, server.url)).toMatchObject({ keysVersion: 3, keys: [{ keyid: third.keys[0]!.keyid }] });

    const fresh = await nodeHost({ registry: server.url, trustedKeys });
    expect((await fresh.load('hello')).version).toBe('1.0.2');

    const stranger = await nodeHost({ registry: server.url, trustedKeys: [(await generateSigningKey()).publicKey] });
    await expect(stranger.load('hello')).rejects.toMatchObject({ name: 'SignatureError', code: 'E_SIGNATURE' });
    expect(await stranger.cache.list()).toEqual([]);
    await Promise.all([restarted.close(), fresh.close(), stranger.close()]);
    await server.stop();
  });
});
