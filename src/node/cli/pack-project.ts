/**
 * Turns a plugin project into `.plg` bytes for `plughub pack` and `plughub
 * publish`: builds the bundle when asked to, or when it is missing or older
 * than its sources, packs plugin.json as written, the bundle and the README
 * with the core's packPlg, and reads the result back with readPlg so that a
 * package the registry would refuse is refused here first.
 */
import { readFile } from 'node:fs/promises';
import { readPlg, packPlg, bytesToStream, type PlgFile } from '../../core/plg/index.js';
import type { Manifest } from '../../core/plugin/index.js';
import { buildPlugin, type BuildResult } from './build-plugin.js';
import { needsBuild, readBundle, type PluginProject } from './project.js';

/** When to build before packing: always, or when the bundle is missing or older than its sources. */
export type BuildPolicy = 'always' | 'if-stale';

/** A packed project. */
export interface PackedProject {
  manifest: Manifest;
  /** The `.plg` bytes. */
  bytes: Uint8Array;
  /** The paths inside the package. */
  files: string[];
  /** The bundle's size in bytes. */
  bundleBytes: number;
  /** Set when a build ran. */
  built?: BuildResult;
}

/**
 * Packs a project, building it first as the policy says. A project without
 * a source entry (only a prebuilt bundle) is packed as it is.
 */
export async function packProject(project: PluginProject, policy: BuildPolicy): Promise<PackedProject> {
  let built: BuildResult | undefined;
  if (project.entry && (policy === 'always' || (await needsBuild(project)))) built = await buildPlugin(project);
  const bundle = await readBundle(project);
  const files = new Map<string, PlgFile>();
  files.set('plugin.json', { path: 'plugin.json', content: project.manifestText });
  files.set(project.manifest.source.path, { path: project.manifest.source.path, content: bundle });
  if (project.readme && !files.has('README.md')) {
    files.set('README.md', { path: 'README.md', content: new Uint8Array(await readFile(project.readme)) });
  }
  const bytes = new Uint8Array(await new Response(packPlg(files.values())).arrayBuffer());
  const checked = await readPlg(bytesToStream(bytes));
  return {
    manifest: checked.manifest,
    bytes,
    files: [...checked.files.keys()],
    bundleBytes: bundle.byteLength,
    ...(built ? { built } : {}),
  };
}
