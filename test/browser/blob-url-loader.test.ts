/**
 * The browser loader under happy-dom. Node imports data: URLs, the scheme
 * probed first; an injected `importUrl` stands in for a page that refuses
 * data: but allows blob:, or refuses both schemes (as a strict
 * Content-Security-Policy does). test/chromium checks the same in a real browser.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBlobUrlLoader } from '../../src/browser/blob-url-loader.js';
import { isPluginLoadError, type PluginLoadError } from '../../src/core/errors/index.js';
import { base64ToBytes } from '../../src/core/base64.js';
import { computeIntegrity } from '../../src/core/integrity.js';
import { moduleDataUrl } from '../../src/core/plugin/loader.js';
import type { ModuleNamespace, ModuleSource } from '../../src/core/ports.js';

async function source(code: string, name = 'hello', version = '1.2.3'): Promise<ModuleSource> {
  const bytes = new TextEncoder().encode(`${code}\n// ${Math.random()}`);
  return { name, version, integrity: await computeIntegrity(bytes), bytes };
}

/** Imports blob: URLs by reading the Blob back and importing it as data: (what a browser allowing blob: does). */
const blobCapable =
  (seen: string[]) =>
  async (url: string): Promise<ModuleNamespace> => {
    seen.push(url.slice(0, 5));
    if (!url.startsWith('blob:')) return import(/* @vite-ignore */ url);
    const blob = blobs.get(url);
    if (!blob) throw new TypeError(`Failed to fetch dynamically imported module: ${url}`);
    return import(/* @vite-ignore */ moduleDataUrl(new Uint8Array(await blob.arrayBuffer())));
  };
const blobs = new Map<string, Blob>();

afterEach(() => {
  vi.restoreAllMocks();
  blobs.clear();
});

function trackObjectUrls() {
  const created = vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    const url = `blob:test/${blobs.size}-${Math.random()}`;
    blobs.set(url, blob as Blob);
    return url;
  });
  const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void blobs.delete(url));
  return { created, revoked };
}

describe('blob-URL loader', () => {
  it('imports through a data: URL by default, the module labelled with the plugin for stack traces', async () => {
    const seen: string[] = [];
    const urls: string[] = [];
    const recording = (url: string) => {
      urls.push(url);
      return blobCapable(seen)(url);
    };
    const loader = createBlobUrlLoader({ importUrl: recording });
    expect((await loader.import(await source('export const a = 1;', 'stacky', '2.3.4'))).a).toBe(1);
    expect(seen).toEqual(['data:', 'data:']); // the probe, then the plugin
    const text = new TextDecoder().decode(base64ToBytes(urls[1]!.slice('data:text/javascript;base64,'.length)));
    expect(text).toMatch(/^export const a = 1;\n\/\/ [0-9.e-]+\n\/\/# sourceURL=plughub:stacky@2\.3\.4\n$/);
  });

  it('falls back to blob: URLs when data: is refused, probing only once, and revokes each URL once imported', async () => {
    const { created, revoked } = trackObjectUrls();
    const seen: string[] = [];
    let dataTries = 0;
    const refusing = (url: string) => {
      if (!url.startsWith('data:')) return blobCapable(seen)(url);
      dataTries++;
      return Promise.reject(new TypeError(`Refused to load the script '${url.slice(0, 20)}'`));
    };
    const loader = createBlobUrlLoader({ importUrl: refusing });
    expect((await loader.import(await source('export const a = 1;'))).a).toBe(1);
    expect((await loader.import(await source('export const b = 2;'))).b).toBe(2);
    expect(dataTries).toBe(1); // the probe tried data: first, once
    expect(seen).toEqual(['blob:', 'blob:', 'blob:']); // then the blob: probe and both plugins
    expect(created).toHaveBeenCalledTimes(3);
    expect(revoked.mock.calls.map(([url]) => url)).toEqual(created.mock.results.map((r) => r.value));
    expect(blobs.size).toBe(0);
  });

  it('labels modules imported through blob: URLs too', async () => {
    const { created } = trackObjectUrls();
    const loader = createBlobUrlLoader({ scheme: 'blob', importUrl: blobCapable([]) });
    await loader.import(await source('export const a = 1;', 'labelled', '1.0.0'));
    const text = await (created.mock.calls[0]![0] as Blob).text();
    expect(text).toMatch(/^export const a = 1;\n\/\/ [0-9.e-]+\n\/\/# sourceURL=plughub:labelled@1\.0\.0\n$/);
  });

  it('imports where no import is injected (Node imports data: URLs)', async () => {
    const namespace = await createBlobUrlLoader().import(await source('export default { execute: () => "ok" };'));
    expect((namespace.default as { execute(): string }).execute()).toBe('ok');
  });

  it('names plugin, version and cause when both schemes are refused', async () => {
    const refuseAll = (url: string) => Promise.reject(new TypeError(`Refused to load ${url.slice(0, 5)}`));
    const error = (await createBlobUrlLoader({ importUrl: refuseAll })
      .import(await source('export {};', 'strict', '2.0.0'))
      .catch((e: unknown) => e)) as PluginLoadError;
    expect(isPluginLoadError(error)).toBe(true);
    expect(error.message).toMatch(/^strict@2\.0\.0: import failed: .*Content-Security-Policy.*TypeError: Refused to load data:/);
    expect(error).toMatchObject({ plugin: 'strict', version: '2.0.0' });
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it.each([
    ['a syntax error', 'export const = ;', /SyntaxError/],
    ['a throw at import', 'throw new RangeError("no config");', /RangeError: no config/],
  ])('turns %s into a PluginLoadError naming plugin, version and cause', async (_, code, cause) => {
    const error = (await createBlobUrlLoader({ scheme: 'data' })
      .import(await source(code, 'broken', '0.1.0'))
      .catch((e: unknown) => e)) as PluginLoadError;
    expect(isPluginLoadError(error)).toBe(true);
    expect(error.message).toMatch(/^broken@0\.1\.0: import failed: /);
    expect(error.message).toMatch(cause);
    expect(error.cause).toBeDefined();
  });

  it('imports the same integrity once until it is released', async () => {
    trackObjectUrls();
    let imports = 0;
    const counting = async () => ({ plughubProbe: true, count: ++imports });
    const loader = createBlobUrlLoader({ importUrl: counting });
    const module = await source('export {};');
    const [first, second] = await Promise.all([loader.import(module), loader.import(module)]);
    expect(second).toBe(first);
    loader.release?.(module.integrity);
    expect((await loader.import(module)).count).toBe(3); // probe, first import, import after release
  });
});
