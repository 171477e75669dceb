/**
 * Core's data: URL loader and the label every imported module gets: the
 * URL decodes to the verified bytes plus one `//# sourceURL=` line, the
 * label cannot break out of its comment, and a real Node process (without
 * the test runner's stack rewriting) names the plugin, line and column in a
 * stack trace instead of the whole base64 module.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { base64ToBytes } from '../../../src/core/base64.js';
import { computeIntegrity } from '../../../src/core/integrity.js';
import { createDataUrlLoader, labelledModule, moduleDataUrl, moduleSourceUrl } from '../../../src/core/plugin/index.js';

const run = promisify(execFile);
const encode = (text: string) => new TextEncoder().encode(text);
const decodeDataUrl = (url: string) => new TextDecoder().decode(base64ToBytes(url.slice('data:text/javascript;base64,'.length)));

describe('module labels', () => {
  it('names the plugin and version as plughub:<name>@<version>', () => {
    expect(moduleSourceUrl({ name: '@acme/tool', version: '1.2.0-rc.1+build.5' })).toBe('plughub:@acme/tool@1.2.0-rc.1+build.5');
  });

  it('replaces what could end the comment or the line it is written in', () => {
    expect(moduleSourceUrl({ name: 'a\nb c', version: '1.0.0\r\u2028*/' })).toBe('plughub:a_b_c@1.0.0___/');
  });

  it('appends one sourceURL line after the last line, leaving the bytes before it untouched', () => {
    const bytes = encode('export const a = 1; // no newline at the end');
    const labelled = labelledModule(bytes, { name: 'hello', version: '0.1.0' });
    expect(labelled.subarray(0, bytes.length)).toEqual(bytes);
    expect(new TextDecoder().decode(labelled.subarray(bytes.length))).toBe('\n//# sourceURL=plughub:hello@0.1.0\n');
  });

  it('puts the bytes alone in a data: URL without a label, and the labelled module with one', () => {
    const bytes = encode('export default 1;\n');
    expect(decodeDataUrl(moduleDataUrl(bytes))).toBe('export default 1;\n');
    expect(decodeDataUrl(moduleDataUrl(bytes, { name: 'hello', version: '0.1.0' }))).toBe('export default 1;\n\n//# sourceURL=plughub:hello@0.1.0\n');
  });
});

describe('createDataUrlLoader', () => {
  it('imports the verified bytes, the same integrity once', async () => {
    const bytes = encode(`export const answer = 42; // ${Math.random()}\n`);
    const loader = createDataUrlLoader();
    const source = { name: 'answer', version: '1.0.0', integrity: await computeIntegrity(bytes), bytes };
    const [first, second] = await Promise.all([loader.import(source), loader.import(source)]);
    expect(first.answer).toBe(42);
    expect(second).toBe(first);
  });

  it('gives stack traces that name the plugin, line and column, not the base64 module (plain Node)', async () => {
    const plugin = encode(`const pad = "${'x'.repeat(4000)}";\nexport function fail() {\n  throw new Error("boom");\n}\n`);
    const url = moduleDataUrl(plugin, { name: 'thrower', version: '3.1.4' });
    const script = `const m = await import(${JSON.stringify(url)}); try { m.fail(); } catch (e) { console.log(e.stack); }`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(stdout).toMatch(/^Error: boom\n {4}at Module\.fail \(plughub:thrower@3\.1\.4:3:9\)\n/);
    expect(stdout.length).toBeLessThan(500);
  });
});
