/**
 * plughub.host.json: a valid file resolves (paths against the file's folder,
 * flags overriding fields), and every kind of bad file is refused with a
 * message that names the file and the JSON path at fault.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostConfigError, parseDuration, readHostConfig, resolveHostConfig } from '../../../src/node/host-service/config.js';
import { cli } from '../../e2e/cli-harness.js';
import { tempDir } from '../helpers.js';

async function configFile(content: string): Promise<string> {
  const file = join(await tempDir(), 'plughub.host.json');
  await writeFile(file, content);
  return file;
}

async function refusal(content: string): Promise<HostConfigError> {
  const file = await configFile(content);
  const error = await readHostConfig(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(HostConfigError);
  return error as HostConfigError;
}

describe('plughub.host.json', () => {
  it('resolves a valid file: paths against its folder, defaults for what it leaves out', async () => {
    const file = await configFile(JSON.stringify({ dir: 'plugins', watch: true, load: ['hello@^1'], grace: '2s', accessLog: 'logs/access.log' }));
    const config = resolveHostConfig({}, { path: file, config: await readHostConfig(file) }, '/elsewhere');
    const folder = join(file, '..');
    expect(config).toEqual({
      dir: join(folder, 'plugins'),
      watch: true,
      registry: undefined,
      load: ['hello@^1'],
      port: 8080,
      listen: '127.0.0.1',
      graceMs: 2000,
      accessLog: join(folder, 'logs/access.log'),
      metrics: true,
      cacheDir: undefined,
      isolation: 'none',
      maxBodyBytes: 10 * 1024 * 1024,
      api: { tokens: undefined, readAccess: 'open', allowLoadFrom: [] },
    });
  });

  it('turns /metrics off with "metrics": false or --no-metrics', async () => {
    const off = await configFile(JSON.stringify({ dir: 'plugins', metrics: false }));
    expect(resolveHostConfig({}, { path: off, config: await readHostConfig(off) }, '/work').metrics).toBe(false);
    expect(resolveHostConfig({ dir: 'plugins', metrics: false }, undefined, '/work').metrics).toBe(false);
    expect((await refusal(JSON.stringify({ dir: 'plugins', metrics: 'no' }))).message).toContain('metrics: Invalid input: expected boolean, received string');
  });

  it('lets each flag given override its field, flag paths resolving against the working directory', async () => {
    const file = await configFile(JSON.stringify({ dir: 'plugins', port: 9000, listen: '0.0.0.0', load: ['a@1'] }));
    const config = resolveHostConfig({ dir: 'mine', port: 0, load: ['b@2'] }, { path: file, config: await readHostConfig(file) }, '/work');
    expect(config).toMatchObject({ dir: '/work/mine', port: 0, listen: '0.0.0.0', load: ['b@2'] });
    const watched = await configFile(JSON.stringify({ dir: 'plugins', watch: true, maxBodyBytes: 4096 }));
    const unwatched = resolveHostConfig({ watch: false, maxBodyBytes: 10 }, { path: watched, config: await readHostConfig(watched) }, '/work');
    expect(unwatched).toMatchObject({ watch: false, maxBodyBytes: 10 });
    expect(resolveHostConfig({}, { path: watched, config: await readHostConfig(watched) }, '/work').maxBodyBytes).toBe(4096);
  });

  it('names the file and the JSON path of every invalid field', async () => {
    const error = await refusal(JSON.stringify({ dir: 'plugins', port: 70000, load: ['ok@1', 7], grace: 'soon', maxBodyBytes: -1 }));
    expect(error.code).toBe('E_HOST_CONFIG');
    expect(error.message).toContain(`${error.file} is invalid: `);
    expect(error.message).toContain('port: Too big: expected number to be <=65535');
    expect(error.message).toContain('load[1]: Invalid input: expected string, received number');
    expect(error.message).toContain('grace: must be a duration such as "10s", "500ms" or "1m"');
    expect(error.message).toContain('maxBodyBytes: Too small: expected number to be >=0');
  });

  it('refuses an unknown field (a typo must not pass silently)', async () => {
    const error = await refusal(JSON.stringify({ dir: 'plugins', prot: 80 }));
    expect(error.message).toMatch(/plughub\.host\.json is invalid: \(root\): unknown field "prot"$/);
  });

  it('refuses a file that is not JSON, or missing, naming it', async () => {
    const broken = await refusal('{ "dir": ');
    expect(broken.message).toMatch(/plughub\.host\.json is not valid JSON: /);
    const missing = join(await tempDir(), 'absent.json');
    await expect(readHostConfig(missing)).rejects.toThrow(`cannot read ${missing}: no such file`);
  });

  it('refuses a configuration that serves nothing', () => {
    expect(() => resolveHostConfig({}, undefined, '/work')).toThrow(/nothing to serve: give a plugin directory \(--dir or "dir"\)/);
    expect(() => resolveHostConfig({ watch: true, load: ['a@1'] }, undefined, '/work')).toThrow('--watch needs a plugin directory');
  });

  it('reads durations in ms, s and m', () => {
    expect([parseDuration('500ms'), parseDuration('10s'), parseDuration('1m'), parseDuration('10'), parseDuration('-1s')]).toEqual([
      500,
      10_000,
      60_000,
      undefined,
      undefined,
    ]);
  });
});

describe('plughub host flags', () => {
  it('refuses a --max-body-bytes that is not a byte count, and --watch with --no-watch', async () => {
    const cwd = await tempDir();
    const size = await cli(['host', '--dir', '.', '--max-body-bytes', '10MB'], { cwd });
    expect(size).toMatchObject({ code: 1, stdout: '' });
    expect(size.stderr).toContain('--max-body-bytes must be a number of bytes from 0 to 1073741824 (1 GiB), not "10MB"');
    const both = await cli(['host', '--dir', '.', '--watch', '--no-watch'], { cwd });
    expect(both.stderr).toContain('--watch and --no-watch contradict each other');
  });
});
