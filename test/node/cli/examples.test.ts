/**
 * The example plugins in examples/ build and run as their READMEs say
 * (copied to a temporary folder first, so the repository stays clean).
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../../e2e/cli-harness.js';
import { tempDir } from '../helpers.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

async function copy(example: string): Promise<{ dir: string; env: Record<string, string> }> {
  const root = await tempDir('plughub-example-');
  const dir = join(root, example);
  await cp(join(examples, example), dir, { recursive: true, filter: (path) => !/\/(dist|node_modules)(\/|$)/.test(path) });
  return { dir, env: { PLUGHUB_CACHE_DIR: join(root, 'cache') } };
}

describe('examples', () => {
  it('word-count-ts (TypeScript) builds and runs', async () => {
    const { dir, env } = await copy('word-count-ts');
    expect((await cli(['build'], { cwd: dir, env })).stdout).toMatch(/^built word-count@1\.0\.0: dist\/index\.js \(/);
    const ran = await cli(['run', '.', '--set', 'text=the cat and the hat', '--set', 'top=2'], { cwd: dir, env });
    expect(ran.stdout).toBe('{"words":5,"distinct":4,"top":[{"word":"the","count":2},{"word":"and","count":1}]}\n');
  });

  it('greet-js (plain JavaScript) builds and runs', async () => {
    const { dir, env } = await copy('greet-js');
    expect((await cli(['build'], { cwd: dir, env })).code).toBe(0);
    const ran = await cli(['run', '.', '--set', 'who=Ada', '--set', 'excited=true', '--label', 'greet'], { cwd: dir, env });
    expect(ran.stdout).toBe('{"greeting":"Hello, Ada!","label":"greet"}\n');
  });
});
