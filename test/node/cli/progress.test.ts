/**
 * When the progress bar draws: only on a terminal that can redraw a line,
 * outside CI, and without `--no-progress`; anywhere else nothing reaches
 * stderr, so logs and scripts see no escape codes. Checked on the bar itself
 * and through `publish` and `run` against a real registry on port 0.
 */
import { describe, expect, it } from 'vitest';
import { captureIo, cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { createProgress, progressWanted } from '../../../src/node/cli/progress.js';
import { tempDir, writeTree } from '../helpers.js';

function terminal(env: Record<string, string | undefined>, tty = true) {
  return captureIo({ cwd: '/', env, tty });
}

describe('progressWanted', () => {
  it('is true on a terminal, and false off one, under TERM=dumb, under CI, or with --no-progress', () => {
    expect(progressWanted(terminal({ TERM: 'xterm-256color' }).io)).toBe(true);
    expect(progressWanted(terminal({}).io)).toBe(true);
    expect(progressWanted(terminal({}, false).io)).toBe(false);
    expect(progressWanted(terminal({ TERM: 'dumb' }).io)).toBe(false);
    for (const ci of ['true', '1', 'yes', 'woodpecker']) expect(progressWanted(terminal({ CI: ci }).io), `CI=${ci}`).toBe(false);
    for (const ci of ['false', '0', '', ' ', 'FALSE']) expect(progressWanted(terminal({ CI: ci }).io), `CI=${ci}`).toBe(true);
    expect(progressWanted(terminal({}).io, true)).toBe(false);
  });

  it('NO_COLOR leaves the bar, which has no colour', () => {
    expect(progressWanted(terminal({ NO_COLOR: '1' }).io)).toBe(true);
  });

  it('a bar that is not wanted writes nothing at all', () => {
    for (const env of [{ TERM: 'dumb' }, { CI: 'true' }]) {
      const { io, stderr } = terminal(env);
      const progress = createProgress(io, 'downloading x');
      progress.update(10, 100);
      progress.update(100, 100);
      progress.done();
      expect(stderr()).toBe('');
    }
    const { io, stderr } = terminal({});
    const disabled = createProgress(io, 'downloading x', true);
    disabled.update(100, 100);
    disabled.done();
    expect(stderr()).toBe('');
  });
});

async function project(name: string): Promise<string> {
  const dir = await tempDir();
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name, version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } }),
    'src/index.js': `export async function execute() { return ${JSON.stringify(name)}; }\n`,
  });
  return dir;
}

describe('publish and run on a terminal', () => {
  it('draw the bar, and nothing with --no-progress, CI=true or TERM=dumb', async () => {
    const registry = await inProcessRegistry();
    const cwd = await tempDir();
    const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token, PLUGHUB_CACHE_DIR: `${cwd}/cache` };
    const drawn = await cli(['publish'], { cwd: await project('drawn'), env, tty: true });
    expect(drawn.stderr).toMatch(/\x1b\[2Kuploading drawn@1\.0\.0 \[#+\] 100%/);
    const ran = await cli(['run', 'drawn'], { cwd, env: { ...env, PLUGHUB_CACHE_DIR: `${cwd}/cache-1` }, tty: true });
    expect(ran).toMatchObject({ code: 0, stdout: '"drawn"\n' });
    expect(ran.stderr).toMatch(/\x1b\[2Kdownloading drawn/);

    const quiet: [string, string[], Record<string, string>][] = [
      ['flag', ['--no-progress'], {}],
      ['ci', [], { CI: 'true' }],
      ['dumb', [], { TERM: 'dumb' }],
    ];
    for (const [name, flags, extra] of quiet) {
      const published = await cli(['publish', ...flags], { cwd: await project(`quiet-${name}`), env: { ...env, ...extra }, tty: true });
      expect(published, name).toMatchObject({ code: 0, stderr: '' });
      const run = await cli(['run', `quiet-${name}`, ...flags], { cwd, env: { ...env, ...extra, PLUGHUB_CACHE_DIR: `${cwd}/cache-${name}` }, tty: true });
      expect(run, name).toEqual({ code: 0, stdout: `"quiet-${name}"\n`, stderr: '' });
    }
  });
});
