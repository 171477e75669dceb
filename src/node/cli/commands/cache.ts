/**
 * `plughub cache ls|verify|prune`: the local bundle cache of Node hosts (the
 * filesystem BlobCache under PLUGHUB_CACHE_DIR or ~/.cache/plughub). `ls`
 * lists the cached bundles with the plugin versions the cached registry
 * documents say they are (a bundle loaded from a folder or a .plg, which no
 * document lists, is marked so and explained); `verify` re-hashes every bundle and removes corrupt
 * ones and whatever is not a regular file under a bundle's name (a FIFO,
 * directory or link someone planted); `prune` removes the least recently
 * used until the cache fits a size. Cache files are read as regular files
 * only, bounded in size and time (regular-file.ts).
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createFsBlobCache } from '../../cache/index.js';
import { DEFAULT_MAX_DOCUMENT_FILE_BYTES } from '../../cache/index.js';
import { readRegularFileUtf8 } from '../../regular-file.js';
import { defaultCacheDir } from '../../paths.js';
import { atMost, usageError } from '../args.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { formatBytes, formatTable, parseCount, parseSize, printJson, printLines } from '../output.js';

const usage = `usage: plughub cache <ls|verify|prune> [options]

  ls                  list cached bundles (integrity, size, last use, and the plugin
                      versions the cached registry documents say they are; a
                      bundle run from a folder or .plg is named by none)
  verify              re-hash every cached bundle; remove corrupt ones and leftovers
  prune --max-size S  remove least recently used bundles until the cache is at most
                      S (50MB, 1GB, or bytes); --max-bytes N is the same in bytes

  --cache-dir DIR     the cache (default: $PLUGHUB_CACHE_DIR, else ~/.cache/plughub)
  --json              print the result as JSON
`;

/**
 * Which plugin versions each integrity belongs to, read from the cached
 * registry documents (best effort: unreadable entries are skipped).
 */
async function pluginsByIntegrity(cacheDir: string): Promise<Map<string, string[]>> {
  const byIntegrity = new Map<string, string[]>();
  const folder = join(cacheDir, 'documents');
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const file of names.filter((name) => name.endsWith('.json'))) {
    try {
      // Regular files only, bounded in size and time: a FIFO planted here must not hang `cache ls`.
      const text = await readRegularFileUtf8(join(folder, file), { maxBytes: DEFAULT_MAX_DOCUMENT_FILE_BYTES });
      const entry = JSON.parse(text) as {
        name?: unknown;
        document?: { versions?: Record<string, { dist?: { integrity?: unknown } }> };
      };
      for (const [version, item] of Object.entries(entry.document?.versions ?? {})) {
        const integrity = item.dist?.integrity;
        if (typeof integrity !== 'string' || typeof entry.name !== 'string') continue;
        byIntegrity.set(integrity, [...(byIntegrity.get(integrity) ?? []), `${entry.name}@${version}`]);
      }
    } catch {
      // A document being rewritten, left by another version, or refused: it only labels the list.
    }
  }
  return byIntegrity;
}

/** The PLUGIN of a bundle no cached registry document lists, and why. */
const UNNAMED = '(no registry document)';
const UNNAMED_WHY =
  'no cached registry document lists: loaded from a plugin folder or a .plg file (plughub run ./dir), or no longer in the cached document of its registry';

async function list(io: CliIO, dir: string, json: boolean): Promise<void> {
  const cache = createFsBlobCache(dir);
  const blobs = (await cache.list()).sort((a, b) => b.lastUsed - a.lastUsed);
  const labels = await pluginsByIntegrity(dir);
  const total = blobs.reduce((sum, blob) => sum + blob.size, 0);
  const rows = blobs.map((blob) => ({ ...blob, lastUsed: new Date(blob.lastUsed).toISOString(), plugins: labels.get(blob.integrity) ?? [] }));
  if (json) {
    printJson(io, { dir, count: rows.length, totalBytes: total, blobs: rows });
    return;
  }
  const table = formatTable(
    ['INTEGRITY', 'SIZE', 'LAST USED', 'PLUGIN'],
    rows.map((row) => [row.integrity, formatBytes(row.size), row.lastUsed, row.plugins.join(', ') || UNNAMED]),
  );
  const unnamed = rows.filter((row) => row.plugins.length === 0).length;
  printLines(io, [
    ...(rows.length > 0 ? [...table, ''] : []),
    `${rows.length} bundle${rows.length === 1 ? '' : 's'}, ${formatBytes(total)} in ${dir}`,
    ...(unnamed > 0 ? [`${UNNAMED}: ${unnamed === 1 ? 'a bundle' : `${unnamed} bundles`} that ${UNNAMED_WHY}`] : []),
  ]);
}

async function verify(io: CliIO, dir: string, json: boolean): Promise<void> {
  const report = await createFsBlobCache(dir).verify();
  if (json) {
    printJson(io, { dir, ...report });
    return;
  }
  const lines = [`checked ${report.checked} bundle${report.checked === 1 ? '' : 's'} in ${dir}: ${report.corrupt.length} corrupt`];
  for (const item of report.corrupt) lines.push(`  removed corrupt ${item.integrity} (${item.path})`);
  for (const path of report.removedTemp) lines.push(`  removed leftover ${path}`);
  for (const item of report.refused) lines.push(`  ${item.removed ? 'removed' : 'could not remove'} ${item.problem} in place of a bundle (${item.path})`);
  printLines(io, lines);
}

async function prune(io: CliIO, dir: string, maxBytes: number, json: boolean): Promise<void> {
  const cache = createFsBlobCache(dir);
  const result = await cache.prune({ maxBytes });
  const remaining = (await cache.list()).reduce((sum, blob) => sum + blob.size, 0);
  if (json) {
    printJson(io, { dir, maxBytes, ...result, remainingBytes: remaining });
    return;
  }
  printLines(io, [
    `removed ${result.removed.length} bundle${result.removed.length === 1 ? '' : 's'} (${formatBytes(result.freedBytes)}); ${formatBytes(remaining)} left in ${dir}`,
  ]);
}

/** The `cache` command. */
export const cache: Command = {
  name: 'cache',
  summary: 'list, verify or prune the local bundle cache',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('cache', argv, {
      'cache-dir': { type: 'string' },
      'max-bytes': { type: 'string' },
      'max-size': { type: 'string' },
      json: { type: 'boolean' },
    });
    const [action] = positionals;
    atMost('cache', positionals, 1);
    const dir = defaultCacheDir(values['cache-dir'] === undefined ? undefined : resolve(io.cwd, values['cache-dir']), io.env);
    const json = values.json === true;
    if (action === 'ls' || action === 'list') return list(io, dir, json);
    if (action === 'verify') return verify(io, dir, json);
    if (action === 'prune') {
      const bytes = values['max-bytes'];
      const size = values['max-size'];
      if ((bytes === undefined) === (size === undefined)) {
        throw usageError('cache', 'prune needs exactly one of --max-size SIZE (such as 50MB) or --max-bytes N');
      }
      const maxBytes = bytes !== undefined ? parseCount(bytes, '--max-bytes') : parseSize(size!, '--max-size');
      return prune(io, dir, maxBytes, json);
    }
    if (action === undefined) throw usageError('cache', 'missing ls, verify or prune');
    throw usageError('cache', `unknown action "${action}" (ls, verify or prune)`);
  },
};
