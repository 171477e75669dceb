/**
 * Every command the docs show is run, so the docs cannot drift: for each
 * Markdown file of the docs (README.md, CONTRIBUTING.md, CHANGELOG.md,
 * docs/**), in a temporary folder of its own, its `sh` blocks run in order
 * through DocShell (the CLI through tsx from the sources, servers on free
 * ports of 127.0.0.1, the docs' registry on 4873 started on first use), and
 * the blocks it says to save ("Save this as `host.mjs`:") are written where
 * the commands expect them. A `json` block right after a `sh` block (nothing
 * but blank lines between) shows what the block's last command that printed
 * anything printed, and must equal it as JSON; a `text` block there quotes
 * what that command printed (stdout and stderr, the ports the docs show),
 * `…` standing for anything. The README's walkthrough is left to
 * walkthrough.test.ts, which runs it and checks its outputs. Repository
 * commands shown inline (`npx tsx bench/…`, `npm run …`) are checked like
 * those in blocks. Shell-like blocks in other languages (bash, console …)
 * are refused: a command is either shown in `sh` and run, or it is text.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocShell } from './docs-interpreter.js';
import { inlineCode, readDocs, type Doc } from './docs-markdown.js';
import { checkRepositoryCommand, isRepositoryCommand } from './docs-repository.js';
import { expandWord, parseLine } from './docs-shell.js';
import type { Finished } from './spawn.js';

const docs = await readDocs();
const UNRUN_SHELLS = new Set(['bash', 'shell', 'zsh', 'console', 'shell-session', 'shellsession', 'terminal']);

/** The fences the docs test runs or saves in `doc`. */
function runnable(doc: Doc) {
  return doc.fences.filter((fence) => (fence.language === 'sh' || fence.saveAs) && !(doc.path === 'README.md' && fence.section === 'Walkthrough'));
}

/** True when `actual` is the output `shown` quotes, where `…` in `shown` stands for anything. */
function shows(shown: string, actual: string): boolean {
  const pattern = shown
    .trim()
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(actual.trim());
}

/** Runs the commands of one doc in a fresh folder; the error names the doc line and carries the transcript. */
async function runDoc(doc: Doc): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'plughub-docs-'));
  const shell = new DocShell(root);
  await shell.linkExamples();
  try {
    let printed: Finished | undefined;
    for (const fence of doc.fences) {
      try {
        if (fence.direct && printed && fence.language === 'json') {
          expect(JSON.parse(printed.stdout), 'the output shown').toEqual(JSON.parse(fence.body));
        } else if (fence.direct && printed && fence.language === 'text') {
          const actual = shell.unmapPorts(printed.stdout + printed.stderr);
          expect(shows(fence.body, actual), `the output shown:\n${fence.body}\nis not what it printed:\n${actual}`).toBe(true);
        }
        printed = undefined;
        if (!runnable(doc).includes(fence)) continue;
        if (fence.saveAs) await shell.save(fence.saveAs, fence.body);
        else printed = await shell.runBlock(fence.body);
      } catch (error) {
        const transcript = shell.transcript.slice(-12).join('\n');
        throw new Error(`${doc.path}:${fence.line}: ${(error as Error).message}\n--- last commands:\n${transcript}`, { cause: error });
      }
    }
  } finally {
    await shell.close();
    await rm(root, { recursive: true, force: true });
  }
}

describe('the commands the docs show', () => {
  it('use `sh` for commands (run here) and another language for anything else', () => {
    const unrun = docs.flatMap((doc) =>
      doc.fences.filter((fence) => UNRUN_SHELLS.has(fence.language)).map((fence) => `${doc.path}:${fence.line} (${fence.language})`),
    );
    expect(unrun, 'shell blocks the docs test would not run').toEqual([]);
  });

  for (const doc of docs.filter((candidate) => runnable(candidate).length > 0)) {
    it(`run as written in ${doc.path}`, { timeout: 300_000 }, async () => {
      await runDoc(doc);
    });
  }

  it('shown inline for working on the repository exist as shown', async () => {
    const problems: string[] = [];
    const quiet = { variable: () => undefined, substitute: async () => '' };
    for (const doc of docs) {
      for (const span of inlineCode(doc).filter(({ text }) =>
        /^(npm (ci|start|test|run)\b|npm link$|npx (tsx|vitest|tsc) |node (scripts|bench)\/|[A-Z_]+=\S+ npx )/.test(text),
      )) {
        try {
          for (const pipeline of parseLine(span.text)) {
            for (const command of pipeline.commands) {
              const argv = await Promise.all(command.words.map((word) => expandWord(word, quiet)));
              if (!isRepositoryCommand(argv)) throw new Error(`not a repository command: ${argv.join(' ')}`);
              checkRepositoryCommand(
                argv,
                command.assignments.map(({ name }) => name),
              );
            }
          }
        } catch (error) {
          problems.push(`${doc.path}:${span.line}: \`${span.text}\`: ${(error as Error).message}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
