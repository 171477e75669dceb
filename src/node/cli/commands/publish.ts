/**
 * `plughub publish [dir|file.plg]`: uploads a plugin version to the registry.
 * Given a folder it builds and packs it first; given a `.plg` it checks and
 * uploads that file. The registry comes from `--registry` or PLUGHUB_REGISTRY,
 * the token from `--token` or PLUGHUB_TOKEN. Refusals (401, 403, 409, 413,
 * 422) print the registry's message with what to do about it.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../../core/errors/index.js';
import { bytesToStream, readPlg } from '../../../core/plg/index.js';
import { atMost } from '../args.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { formatBytes, printJson, printLines } from '../output.js';
import { packProject } from '../pack-project.js';
import { createProgress, progressOption, progressWanted, streamWithProgress } from '../progress.js';
import { readProject } from '../project.js';
import { explainRegistryError, registryClient, registryOption, tokenOption } from '../registry-options.js';
import { authorSignatureHeader } from '../author-signature.js';

const usage = `usage: plughub publish [dir|file.plg] [--registry URL] [--token TOKEN] [--sign-key FILE]... [--minify] [--sourcemap] [--json] [--no-progress]

Publishes a plugin version. A folder (default: the current one) is built and
packed first; a .plg file is uploaded as it is. A published version never
changes: publishing the same name and version again is refused.

  --registry URL   the registry (default: $PLUGHUB_REGISTRY)
  --token TOKEN    a token allowed to publish the plugin (default: $PLUGHUB_TOKEN)
  --sign-key FILE  sign the version with an author key file (plughub keys generate)
  --minify         minify the bundle the folder is built into (as plughub build --minify)
  --sourcemap      build a source map and publish it in the package beside the bundle
  --json           print { name, version, integrity, size, url, document, publishedAt } as JSON
  --no-progress    draw no upload progress bar (none is drawn off a terminal, under CI or TERM=dumb)
`;

/** How a folder is built before it is packed: `--minify`, `--sourcemap`. */
interface FolderBuild {
  minify: boolean;
  sourcemap: boolean;
}

/** The package to upload: its bytes and who it is. */
async function readPackage(target: string, io: CliIO, folder: FolderBuild): Promise<{ name: string; version: string; bytes: Uint8Array }> {
  const path = resolve(io.cwd, target);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError(`${path} does not exist (give a plugin project folder or a .plg file)`);
  if (info.isFile()) {
    if (!path.endsWith('.plg')) throw new UsageError(`${path} is not a .plg file (give a plugin project folder or a .plg file)`);
    if (folder.minify || folder.sourcemap) throw new UsageError(`${path} is a package already built: --minify and --sourcemap apply to a folder`);
    const bytes = new Uint8Array(await readFile(path));
    const pkg = await readPlg(bytesToStream(bytes)).catch((error: Error) => {
      throw new UsageError(`${path}: ${error.message}`, { cause: error });
    });
    return { name: pkg.manifest.name, version: pkg.manifest.version, bytes };
  }
  const packed = await packProject(await readProject(path, io.cwd), 'always', { build: { minify: folder.minify }, packSourcemap: folder.sourcemap });
  for (const warning of packed.built?.warnings ?? []) io.stderr.write(`plughub publish: warning: ${warning}\n`);
  return { name: packed.manifest.name, version: packed.manifest.version, bytes: packed.bytes };
}

/** The `publish` command. */
export const publish: Command = {
  name: 'publish',
  summary: 'build, pack and upload a plugin version to the registry',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('publish', argv, {
      ...registryOption,
      ...tokenOption,
      json: { type: 'boolean' },
      'sign-key': { type: 'string', multiple: true },
      minify: { type: 'boolean' },
      sourcemap: { type: 'boolean' },
      ...progressOption,
    });
    atMost('publish', positionals, 1);
    const keyFiles = values['sign-key'] ?? [];
    const { name, version, bytes } = await readPackage(positionals[0] ?? '.', io, { minify: values.minify === true, sourcemap: values.sourcemap === true });
    const headers = keyFiles.length > 0 ? await authorSignatureHeader(io, keyFiles, bytes) : undefined;
    const client = registryClient(io, values, headers);
    const noProgress = values['no-progress'] === true;
    const progress = createProgress(io, `uploading ${name}@${version}`, noProgress);
    const body = progressWanted(io, noProgress) ? streamWithProgress(bytes, progress) : bytes;
    let entry;
    try {
      entry = await client.publish(name, version, body);
    } catch (error) {
      throw explainRegistryError(error, `cannot publish ${name}@${version} to ${client.url}`);
    } finally {
      progress.done();
    }
    const url = client.blobUrl(entry.dist);
    const document = client.documentUrl(name);
    if (values.json) {
      printJson(io, { name, version, integrity: entry.dist.integrity, size: entry.dist.size, url, document, publishedAt: entry.publishedAt });
      return;
    }
    printLines(io, [
      `published ${name}@${version} to ${client.url}`,
      `  integrity  ${entry.dist.integrity}`,
      `  size       ${formatBytes(entry.dist.size)} (package ${formatBytes(bytes.byteLength)})`,
      `  bundle     ${url}`,
      `  document   ${document}`,
    ]);
  },
};
