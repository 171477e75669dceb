/**
 * The pages' script ships as a generated string (registry-server/ui/
 * client-source.ts, bundled from client/): this fails when the sources
 * changed and it was not regenerated with `node scripts/build-ui-client.mjs`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REGISTRY_CLIENT_JS } from '../../../registry-server/ui/client-source.js';

const script = fileURLToPath(new URL('../../../scripts/build-ui-client.mjs', import.meta.url));

it('is up to date with the sources of the pages script', async () => {
  const run = promisify(execFile)(process.execPath, [script, '--check']);
  await expect(run, 'registry-server/ui/client-source.ts is stale: run `node scripts/build-ui-client.mjs`').resolves.toBeDefined();
});

it('is one module that imports nothing and keeps no token anywhere but in memory', () => {
  expect(REGISTRY_CLIENT_JS).not.toMatch(/\bimport\s*[{*'"(]|\brequire\(/);
  expect(REGISTRY_CLIENT_JS).not.toMatch(/localStorage|sessionStorage|document\.cookie|indexedDB/);
});
