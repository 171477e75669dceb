/**
 * Bundles a page script for Chromium with esbuild, as a web app's build
 * would: one ES module, browser conditions (so `plughub/browser` resolves
 * through package.json exports), nothing written to disk.
 */
import { build } from 'esbuild';

/** The bundled script of the entry file `entry`. */
export async function bundleForBrowser(entry: string): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents;
}
