#!/usr/bin/env node
// What `npm i plughub` costs each kind of user. Packs this repository (run
// `npm run build` first), then installs the tarball into an empty project per
// profile and measures its node_modules (the bytes of its files, a hard link
// once, and its packages):
//
//   host      plughub alone: the library for a Node or browser host
//   author    plughub and the toolchain of `plughub build` (its optional peers)
//   operator  plughub and hono, for `plughub serve` and plughub/server
//
// Installs use `npm install --prefer-offline --no-audit --no-fund`, so the npm
// cache that `npm ci` filled serves them without the network.
//
//   node scripts/install-size.mjs [--json] [--profile NAME] [--dir DIR]
//
// --profile measures one profile; --dir installs it into DIR (which must not
// exist) and leaves it there, for a test to run the installed CLI.
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

/** The packages each profile installs beside plughub, at the ranges of its peerDependencies. */
const extras = {
  host: [],
  author: ['rollup', '@rollup/plugin-node-resolve', '@rollup/plugin-commonjs', 'rollup-plugin-esbuild', 'esbuild'],
  operator: ['hono'],
};

/** Sums the sizes of the files under `dir`, as `du -sb` does: links count as themselves (not followed), a hard-linked file once. */
async function bytesUnder(dir, seen = new Set()) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      total += await bytesUnder(path, seen);
      continue;
    }
    const { dev, ino, size } = await lstat(path);
    if (seen.has(`${dev}:${ino}`)) continue;
    seen.add(`${dev}:${ino}`);
    total += size;
  }
  return total;
}

/** The installed packages, as npm's hidden lockfile lists them (name → version). */
async function installedPackages(project) {
  const lock = JSON.parse(await readFile(join(project, 'node_modules', '.package-lock.json'), 'utf8'));
  return Object.fromEntries(
    Object.entries(lock.packages)
      .filter(([path]) => path.startsWith('node_modules/'))
      .map(([path, info]) => [path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), info.version]),
  );
}

/** Installs the tarball and the profile's extras into `project` (created) and measures it. */
async function measure(profile, tarball, project) {
  await mkdir(project);
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: `plughub-${profile}`, private: true, type: 'module' }, null, 2)}\n`);
  const specs = extras[profile].map((name) => `${name}@${pkg.peerDependencies[name]}`);
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...specs], { cwd: project });
  const packages = await installedPackages(project);
  return { profile, bytes: await bytesUnder(join(project, 'node_modules')), count: Object.keys(packages).length, packages };
}

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, profile: { type: 'string' }, dir: { type: 'string' } },
});
const profiles = values.profile === undefined ? Object.keys(extras) : [values.profile];
if (!profiles.every((profile) => profile in extras)) throw new Error(`--profile must be one of ${Object.keys(extras).join(', ')}, not ${values.profile}`);
if (values.dir !== undefined && profiles.length !== 1) throw new Error('--dir needs --profile');

const work = await mkdtemp(join(tmpdir(), 'plughub-install-size-'));
try {
  const { stdout } = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root });
  const tarball = join(work, JSON.parse(stdout)[0].filename);
  const results = [];
  for (const profile of profiles) {
    results.push(await measure(profile, tarball, values.dir === undefined ? join(work, profile) : resolve(values.dir)));
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(Object.fromEntries(results.map(({ profile, ...rest }) => [profile, rest])), null, 2)}\n`);
  } else {
    for (const { profile, bytes, count } of results) {
      process.stdout.write(
        `${profile.padEnd(8)}  ${(bytes / 1e6).toFixed(1).padStart(5)} MB  ${String(count).padStart(3)} packages  (npm i plughub${extras[profile].map((name) => ` ${name}`).join('')})\n`,
      );
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
