/**
 * The Node host as plain Node runs it. Inside Vitest, `import()` of a file
 * goes through Vite's module runner; this test runs the host in a child
 * process (tsx) so that module identity and import errors are Node's own.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { manifest, pluginSource, tempDir, writeTree } from './helpers.js';

const script = fileURLToPath(new URL('./fixtures/native-host.ts', import.meta.url));

describe('Node host outside Vitest', () => {
  it('keeps one module instance per content, imports new bytes as a new module, and reports native import errors', async () => {
    const plugins = await tempDir();
    const upgraded = await tempDir();
    await writeTree(plugins, {
      'good/plugin.json': JSON.stringify(manifest('good')),
      'good/dist/index.js': pluginSource('v1'),
      'syntax/plugin.json': JSON.stringify(manifest('syntax')),
      'syntax/dist/index.js': 'export default {',
      'throws/plugin.json': JSON.stringify(manifest('throws')),
      'throws/dist/index.js': 'throw new TypeError("bad config");',
    });
    await writeTree(upgraded, { 'plugin.json': JSON.stringify(manifest('good', '2.0.0')), 'dist/index.js': pluginSource('v2') });
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, plugins, await tempDir(), upgraded]);
    const result = JSON.parse(stdout) as {
      loaded: string[];
      again: string[];
      calls: Array<{ tag: string; count: number }>;
      failures: Array<{ location: string; message: string; cause: string }>;
    };
    expect(result.loaded).toEqual(['good@1.0.0']);
    expect(result.again).toEqual(['good']);
    // The count lives in the module: same bytes after unload + load → same instance; v2 → a fresh module.
    expect(result.calls.map((c) => `${c.tag}:${c.count}`)).toEqual(['v1:1', 'v1:2', 'v1:3', 'v2:1']);
    const byLocation = Object.fromEntries(result.failures.map((f) => [f.location, f]));
    expect(byLocation.syntax!.message).toMatch(/syntax@1\.0\.0: import failed from file:.*\.mjs: SyntaxError: /);
    expect(byLocation.syntax!.cause).toBe('SyntaxError');
    expect(byLocation.throws!.message).toMatch(/throws@1\.0\.0: import failed from file:.*: TypeError: bad config/);
    expect(byLocation.throws!.cause).toBe('TypeError');
  });
});
