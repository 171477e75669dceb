/**
 * The management API's part of the configuration: `api` in
 * plughub.host.json (paths against the file's folder, a token directory
 * given as its tokens.json), the `--api-*` flags overriding it, and the
 * refusals: an unknown field, a read access that is neither mode, reads
 * protected with no tokens to check them against. Also which listen
 * addresses count as loopback, and how credentials in a registry URL are
 * hidden from GET /config.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiAvailability, isLoopback } from '../../../src/node/host-service/api/index.js';
import { configView, redactUrl } from '../../../src/node/host-service/api/status.js';
import { HostConfigError, readHostConfig, resolveHostConfig } from '../../../src/node/host-service/config.js';
import { cli } from '../../e2e/cli-harness.js';
import { tempDir } from '../helpers.js';
import { testConfig } from './api-fixture.js';

async function configFile(content: unknown): Promise<string> {
  const file = join(await tempDir(), 'plughub.host.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

describe('the api part of plughub.host.json', () => {
  it('resolves paths against the file folder, and a tokens.json path to its directory', async () => {
    const file = await configFile({ dir: 'plugins', api: { tokens: 'secrets/tokens.json', readAccess: 'token', allowLoadFrom: ['uploads', '/srv/more'] } });
    const config = resolveHostConfig({}, { path: file, config: await readHostConfig(file) }, '/elsewhere');
    const folder = join(file, '..');
    expect(config.api).toEqual({ tokens: join(folder, 'secrets'), readAccess: 'token', allowLoadFrom: [join(folder, 'uploads'), '/srv/more'] });
  });

  it('lets the --api-* flags override the file, their paths against the working directory', async () => {
    const file = await configFile({ dir: 'plugins', api: { tokens: 'a', allowLoadFrom: ['b'] } });
    const config = resolveHostConfig(
      { apiTokens: 'mine', apiReadAccess: 'open', apiAllowLoadFrom: ['up'] },
      { path: file, config: await readHostConfig(file) },
      '/work',
    );
    expect(config.api).toEqual({ tokens: '/work/mine', readAccess: 'open', allowLoadFrom: ['/work/up'] });
  });

  it('refuses an unknown api field, a read access that is no mode, and protected reads without tokens', async () => {
    const typo = await readHostConfig(await configFile({ dir: '.', api: { token: 'x' } })).catch((error: unknown) => error);
    expect(typo).toBeInstanceOf(HostConfigError);
    expect((typo as Error).message).toContain('api: unknown field "token"');
    const mode = await readHostConfig(await configFile({ dir: '.', api: { readAccess: 'closed' } })).catch((error: unknown) => error);
    expect((mode as Error).message).toContain('api.readAccess');
    expect(() => resolveHostConfig({ dir: '.', apiReadAccess: 'token' }, undefined, '/work')).toThrow(/need a token directory/);
  });

  it('takes the API flags on the command line, refusing a bad --api-read', async () => {
    const cwd = await tempDir();
    const bad = await cli(['host', '--dir', '.', '--api-read', 'closed'], { cwd });
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toContain('--api-read must be open or token, not "closed"');
    const noTokens = await cli(['host', '--dir', '.', '--api-read', 'token'], { cwd });
    expect(noTokens.code).not.toBe(0);
    expect(noTokens.stderr).toContain('need a token directory');
  });
});

describe('where the API is on', () => {
  it('counts 127.0.0.0/8, ::1 and localhost as loopback, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(address), address).toBe(true);
    for (const address of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopback(address), address).toBe(false);
  });

  it('is on on loopback, and elsewhere only with a token directory', async () => {
    expect(apiAvailability(await testConfig({ listen: '127.0.0.1' }))).toEqual({ on: true });
    expect(apiAvailability(await testConfig({ listen: '0.0.0.0' })).on).toBe(false);
    expect(apiAvailability(await testConfig({ listen: '0.0.0.0', api: { tokens: '/t', readAccess: 'open', allowLoadFrom: [] } }))).toEqual({ on: true });
  });
});

describe('GET /config', () => {
  it('hides the user and password of a registry URL', async () => {
    expect(redactUrl('https://me:secret@registry.example/')).toBe('https://***@registry.example/');
    expect(redactUrl('https://registry.example/')).toBe('https://registry.example/');
    const view = configView(await testConfig({ registry: 'https://me:secret@registry.example/' }));
    expect(JSON.stringify(view)).not.toContain('secret');
    expect(view.accessLog).toBeNull();
  });
});
