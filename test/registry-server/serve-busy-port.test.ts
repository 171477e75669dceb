/**
 * `plughub serve` binds before it creates anything: on a port another
 * process holds it fails with an error naming the address, and creates no
 * admin token (which is shown only once) and no signing key, so the next
 * start on a free port creates and prints both. Also `serveNode`'s
 * ListenError for a library caller.
 */
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/node/cli/main.js';
import { createFsSigningStore, createMemoryStorage, createMemoryTokenStore, createRegistry, isListenError, serveNode } from '../../registry-server/index.js';
import { onCleanup, tempDir } from './helpers.js';
import { startServer } from './processes.js';

/** A TCP server holding a free loopback port, closed after the test. */
async function occupiedPort(): Promise<number> {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  return (holder.address() as AddressInfo).port;
}

describe('plughub serve on a busy port', () => {
  it('fails naming the address, before creating a token or a key; the next start prints both', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const port = await occupiedPort();
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: directory };
    const code = await runCli(['serve', '--port', String(port), '--data', directory], io);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `plughub: cannot listen on 127.0.0.1:${port}: the address is in use by another process (EADDRINUSE): stop it, or choose another port (0 picks a free one)\n`,
    );
    expect(await readdir(directory)).not.toContain('tokens.json');
    expect(await createFsSigningStore(directory).readKeyring()).toBeUndefined();

    const next = await startServer(directory);
    await next.waitForLine(/^plh_\S+$/);
    expect(next.output()).toMatch(
      /^created admin token \S+ for .* \(shown only this once\):\nplh_\S+\ncreated signing key \S+ for .*\nlistening on http:\/\/127\.0\.0\.1:\d+\n/,
    );
  });
});

describe('serveNode', () => {
  it('rejects with a ListenError keeping the system code when the port is taken', async () => {
    const port = await occupiedPort();
    const registry = createRegistry({ storage: createMemoryStorage(), tokens: createMemoryTokenStore() });
    const error = await serveNode(registry, { port, host: '127.0.0.1' }).catch((e: unknown) => e);
    expect(isListenError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_LISTEN', systemCode: 'EADDRINUSE', host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` });
  });
});
