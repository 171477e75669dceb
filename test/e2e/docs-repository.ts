/**
 * The commands the docs show for working on the repository itself —
 * installing, building, the test suites, the benchmarks, the lint and format
 * checks — are too slow or too global to run inside a test (`npm ci` would
 * replace the node_modules the test runs from, `npm test` runs this test).
 * They are checked instead against what they name: the npm script exists in
 * package.json, the vitest project exists in vitest.config.ts, the files and
 * folders given exist, a benchmark or script exists and documents every
 * flag shown, an environment variable set in front of one is read
 * (`process.env.NAME`) somewhere in the code. So they cannot drift either.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './spawn.js';

/** System packages the docs may tell a contributor to install (the test installs nothing). */
const SYSTEM_PACKAGES = new Set(['chromium', 'wrk']);

/** True when `argv` is one of the repository commands this module checks instead of running. */
export function isRepositoryCommand(argv: string[]): boolean {
  const [program, first] = argv;
  if (program === 'npm') return ['ci', 'start', 'test', 'run'].includes(first!) || (first === 'link' && argv.length === 2);
  if (program === 'npx') return ['vitest', 'tsx', 'tsc'].includes(first!);
  if (program === 'node') return /^(scripts|bench)\//.test(first ?? '');
  return program === 'apt-get' || program === '.ci/run';
}

function packageJson(): { scripts: Record<string, string>; bin?: Record<string, string> } {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
}

function mustExist(path: string, what: string): void {
  if (!existsSync(join(ROOT, path))) throw new Error(`${what} ${path} does not exist in the repository`);
}

function mustHaveScript(name: string): void {
  if (!(name in packageJson().scripts)) throw new Error(`package.json has no "${name}" script (npm run ${name})`);
}

/** The names of the vitest projects in vitest.config.ts. */
function vitestProjects(): Set<string> {
  const config = readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8');
  return new Set([...config.matchAll(/name:\s*'([^']+)'/g)].map((match) => match[1]!));
}

function checkVitest(args: string[]): void {
  if (args[0] !== 'run') throw new Error(`the docs run vitest as "npx vitest run …", not: npx vitest ${args.join(' ')}`);
  const projects = vitestProjects();
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--project') {
      const name = args[++i]!;
      if (!projects.has(name)) throw new Error(`vitest.config.ts has no project "${name}" (it has ${[...projects].join(', ')})`);
    } else if (arg === '-t') i++;
    else if (arg.startsWith('-')) throw new Error(`the docs test does not know the vitest option ${arg}`);
    else mustExist(arg, 'the test path');
  }
}

/** Checks a benchmark or script: it exists, and every `--flag` shown appears in its text. */
function checkScript(file: string, flags: string[]): void {
  mustExist(file, 'the script');
  const text = readFileSync(join(ROOT, file), 'utf8');
  for (const flag of flags.filter((arg) => arg.startsWith('--'))) {
    if (!text.includes(flag)) throw new Error(`${file} knows no ${flag}`);
  }
}

function checkTsc(args: string[]): void {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-p') mustExist(args[++i]!, 'the tsconfig');
    else if (args[i] !== '--noEmit') throw new Error(`the docs test does not know the tsc option ${args[i]}`);
  }
}

let sources: string | undefined;

/** The text of the code and tests, where an environment variable must be read. */
function codeText(): string {
  if (sources !== undefined) return sources;
  const parts: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mjs|js)$/.test(name)) parts.push(readFileSync(path, 'utf8'));
    }
  };
  for (const dir of ['src', 'registry-server', 'test', 'bench', 'scripts']) if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  sources = parts.join('\n');
  return sources;
}

/** Checks one repository command (with the environment variables set in front of it); throws when it would not work. */
export function checkRepositoryCommand(argv: string[], envNames: string[]): void {
  for (const name of envNames) {
    if (!new RegExp(`env(\\.|\\[['"])${name}\\b`).test(codeText())) throw new Error(`nothing in the code reads ${name}`);
  }
  const [program, first, ...rest] = argv;
  if (program === 'npm') {
    if (first === 'ci') mustExist('package-lock.json', 'the lockfile');
    else if (first === 'link') {
      if (!packageJson().bin?.plughub) throw new Error('package.json has no plughub bin for npm link');
    } else mustHaveScript(first === 'run' ? rest[0]! : first!);
  } else if (program === 'npx' && first === 'vitest') checkVitest(rest);
  else if (program === 'npx' && first === 'tsx') checkScript(rest[0]!, rest.slice(1));
  else if (program === 'npx' && first === 'tsc') checkTsc(rest);
  else if (program === 'node') checkScript(first!, rest);
  else if (program === '.ci/run') mustExist('.ci/run', 'the CI script');
  else if (program === 'apt-get') {
    const packages = argv.slice(1).filter((arg) => arg !== 'install' && arg !== '-y');
    if (argv[1] !== 'install' || packages.some((name) => !SYSTEM_PACKAGES.has(name))) {
      throw new Error(`the docs may only tell to install ${[...SYSTEM_PACKAGES].join(', ')}: ${argv.join(' ')}`);
    }
  }
}
