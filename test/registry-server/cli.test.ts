/**
 * The registry's CLI commands: `plughub token create|list|revoke` (run in
 * this process) and `plughub serve` (run as a child process: the admin token
 * printed once on an empty directory, the listening line, a clean exit on
 * SIGINT and SIGTERM).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/node/cli/main.js';
import { createFileTokenStore } from '../../registry-server/index.js';
import { pluginPackage, publishRequest, tempDir } from './helpers.js';
import { startServer } from './processes.js';

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('plughub token', () => {
  it('creates tokens printing only the token, lists them without secrets, and revokes them', async () => {
    const directory = await tempDir();
    const created = await cli(['token', 'create', '--data', directory, '--publish', '@acme/*', '--publish', 'hello'], '/');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^plh_[A-Za-z0-9_-]{43}\n$/);
    const token = created.stdout.trim();
    const admin = await cli(['token', 'create', '--admin'], directory);
    expect(admin.code).toBe(0);
    expect((await createFileTokenStore(join(directory, 'plughub-data')).verify(admin.stdout.trim()))?.scopes.admin).toBe(true);

    const stored = await readFile(join(directory, 'tokens.json'), 'utf8');
    expect(stored).not.toContain(token);
    expect((await stat(join(directory, 'tokens.json'))).mode & 0o777).toBe(0o600);
    const store = createFileTokenStore(directory);
    expect((await store.verify(token))?.scopes).toEqual({ admin: false, publish: ['@acme/*', 'hello'] });

    const listed = await cli(['token', 'list', '--data', directory, '--json'], '/');
    const tokens = JSON.parse(listed.stdout) as { id: string; scopes: unknown }[];
    expect(tokens).toHaveLength(1);
    expect(listed.stdout).not.toContain('plh_');
    const table = await cli(['token', 'list', '--data', directory], '/');
    expect(table.stdout).toMatch(/ID\s+CREATED\s+SCOPES\n\S+\s+\S+\s+publish @acme\/\* hello/);

    const revoked = await cli(['token', 'revoke', tokens[0]!.id, '--data', directory], '/');
    expect([revoked.code, revoked.stdout]).toEqual([0, `revoked token ${tokens[0]!.id}\n`]);
    expect(await store.verify(token)).toBeUndefined();
    const again = await cli(['token', 'revoke', tokens[0]!.id, '--data', directory], '/');
    expect(again.code).toBe(1);
  });

  it('refuses a token without scopes, bad patterns and unknown actions', async () => {
    const directory = await tempDir();
    for (const args of [['create'], ['create', '--publish', 'Bad Name'], ['create', '--publish', 'acme/*'], ['frobnicate'], []]) {
      const result = await cli(['token', ...args, '--data', directory], '/');
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^plughub: .*see plughub token/);
    }
  });
});

describe('plughub serve', () => {
  it('creates and prints an admin token once, listens on the real port, and stops cleanly', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const first = await startServer(directory);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.url).not.toMatch(/:0$/);
    const [, token] = await first.waitForLine(/^(plh_\S+)$/);
    expect(first.output()).toMatch(/created admin token \S+ for .* \(shown only this once\)/);
    expect(await readFile(join(directory, 'tokens.json'), 'utf8')).not.toContain(token);

    const { bytes } = await pluginPackage('@any/thing', '1.0.0');
    expect((await fetch(publishRequest('@any/thing', '1.0.0', bytes, { token, origin: first.url }))).status).toBe(201);
    first.process.kill('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/published @any\/thing@1\.0\.0/);

    const second = await startServer(directory);
    expect(second.output()).not.toMatch(/plh_/);
    expect((await fetch(`${second.url}/v1/plugins/@any%2Fthing`)).status).toBe(200);
    second.process.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('refuses a bad port, limit or public URL before touching the data directory', async () => {
    const directory = await tempDir();
    const cases: [string[], RegExp][] = [
      [['--port', '99999'], /--port must be a number from 0 to 65535/],
      [['--max-package', 'lots'], /--max-package "lots" is not a size/],
      [['--max-file', '0'], /--max-file must be more than 0 bytes/],
      [['--public-url', 'plugins.example.com'], /--public-url must be an http\(s\) URL/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['serve', ...args, '--data', join(directory, 'data')], '/');
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    await expect(stat(join(directory, 'data'))).rejects.toThrow(/ENOENT/);
  });

  it('applies the upload limits it is given', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const { token } = await createFileTokenStore(directory).create({ admin: true, publish: [] });
    const server = await startServer(directory, ['--max-file', '1KB']);
    const { bytes } = await pluginPackage('hello', '1.0.0', { bundleBytes: 2048 });
    const response = await fetch(publishRequest('hello', '1.0.0', bytes, { token, origin: server.url }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { limit: number } }).error.limit).toBe(1024);
  });
});
