/**
 * The docs' shell itself: it parses what a reader's shell would parse the
 * same way, refuses what it would parse differently, and fails on a command
 * it does not know, a failure, a success under `!`, an unset variable and a
 * repository command that names something missing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocShell } from './docs-interpreter.js';
import { expandWord, logicalLines, parseLine, type Expander } from './docs-shell.js';

const values: Expander = {
  variable: (name) => ({ R: 'http://127.0.0.1:4873', SPACED: 'a b' })[name],
  substitute: async (source) => `<${source}>\n`,
};

async function words(line: string): Promise<string[]> {
  const [pipeline] = parseLine(line);
  return Promise.all(pipeline!.commands[0]!.words.map((word) => expandWord(word, values)));
}

describe('parsing a docs line', () => {
  it('expands quotes, variables and substitutions as a shell does', async () => {
    expect(await words(`curl -H 'If-None-Match: "x"' "$R/v1/plugins?q=a&limit=1" "$(plughub keys show)"`)).toEqual([
      'curl',
      '-H',
      'If-None-Match: "x"',
      'http://127.0.0.1:4873/v1/plugins?q=a&limit=1',
      '<plughub keys show>',
    ]);
    expect(await words(`plughub run hello --set text="the cat" --set 'o={"a":1}' # a comment`)).toEqual([
      'plughub',
      'run',
      'hello',
      '--set',
      'text=the cat',
      '--set',
      'o={"a":1}',
    ]);
  });

  it('splits lists, pipelines, negations, assignments and redirections', () => {
    const [first, second] = parseLine('A=1 B="x y" node a.mjs | jq -r .x > out.txt && ! plughub run x');
    expect(first!.commands).toHaveLength(2);
    expect(first!.commands[0]!.assignments.map(({ name }) => name)).toEqual(['A', 'B']);
    expect(first!.commands[1]!.stdoutTo).toBeDefined();
    expect(second!.negated).toBe(true);
  });

  it('joins continued lines and drops comments', () => {
    expect(logicalLines('# setup\nplughub serve \\\n  --port 4873\n\n')).toEqual(['plughub serve   --port 4873']);
  });

  it('refuses what a shell would read differently', async () => {
    for (const line of ['ls *.plg', 'cd ~/x', 'a; b', 'plughub serve &', 'a || b', 'echo `x`']) expect(() => parseLine(line), line).toThrow();
    await expect(words('echo $SPACED')).rejects.toThrow(/quote it/);
    await expect(words('echo $MISSING')).rejects.toThrow(/\$MISSING is not set/);
  });
});

describe('running docs lines', () => {
  let root: string;
  let shell: DocShell;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'plughub-docs-shell-'));
    shell = new DocShell(root);
  });

  afterEach(async () => {
    await shell.close();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the folder and variables from line to line, and exports only what is exported', async () => {
    await shell.runBlock('mkdir -p site/v1\ncd site\nDIR=v1\nexport SHOWN=yes\nmkdir "$DIR/keys"');
    expect(shell.cwd).toBe(join(root, 'site'));
    expect(shell.env.SHOWN).toBe('yes');
    expect(shell.env.DIR).toBeUndefined();
    await shell.save('v1/keys/note.txt', 'saved');
    expect(await readFile(join(root, 'site/v1/keys/note.txt'), 'utf8')).toBe('saved\n');
  });

  it('fails on a program it does not know, so no command reaches the docs unrun', async () => {
    await expect(shell.runLine('rm -rf site')).rejects.toThrow(/does not know the program "rm"/);
    await expect(shell.runLine('npm install left-pad')).rejects.toThrow(/does not know how to run/);
  });

  it('fails on a failure, and on a success where the docs expect a failure', async () => {
    await expect(shell.runLine('cd no-such-folder')).rejects.toThrow();
    await expect(shell.runLine('! mkdir made')).rejects.toThrow(/expected ! mkdir made to fail/);
  });

  it('checks repository commands against what they name instead of running them', async () => {
    await shell.runLine('npm ci && npm run build && npm test');
    await shell.runLine('PLUGHUB_FUZZ_RUNS=10 npx vitest run --project node test/fuzz');
    await expect(shell.runLine('npm run no-such-script')).rejects.toThrow(/no "no-such-script" script/);
    await expect(shell.runLine('npx vitest run --project nowhere')).rejects.toThrow(/no project "nowhere"/);
    await expect(shell.runLine('npx tsx bench/node-load.ts --no-such-flag')).rejects.toThrow(/knows no --no-such-flag/);
    await expect(shell.runLine('PLUGHUB_NOTHING=1 npx vitest run')).rejects.toThrow(/nothing in the code reads PLUGHUB_NOTHING/);
  });
});
