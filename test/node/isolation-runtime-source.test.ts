/**
 * The worker runtime ships as a generated string (src/core/isolation/
 * runtime-source.ts, bundled from worker-runtime.ts and the core modules it
 * imports): this fails when the sources changed and the string was not
 * regenerated with `node scripts/build-worker-runtime.mjs`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { WORKER_RUNTIME_GLOBAL, WORKER_RUNTIME_SOURCE } from '../../src/core/isolation/runtime-source.js';

const script = fileURLToPath(new URL('../../scripts/build-worker-runtime.mjs', import.meta.url));

it('is up to date with the sources of the worker runtime', async () => {
  const run = promisify(execFile)(process.execPath, [script, '--check']);
  await expect(run, 'src/core/isolation/runtime-source.ts is stale: run `node scripts/build-worker-runtime.mjs`').resolves.toBeDefined();
});

it('is one self-contained script that imports nothing and defines the runtime global', () => {
  expect(WORKER_RUNTIME_SOURCE).toMatch(new RegExp(`^"use strict";var ${WORKER_RUNTIME_GLOBAL}=`));
  expect(WORKER_RUNTIME_SOURCE).not.toMatch(/\bimport\s*[{*'"]|\brequire\(|node:/);
});
