/**
 * `plughub gc [--data DIR] [--grace 1h] [--dry-run] [--json]`: deletes the
 * blobs of a data directory that no plugin document refers to. Deleting
 * needs the directory's write lease, so it is refused while a server writes
 * the directory (`--dry-run` only reads, and runs beside it); blobs stored
 * within the grace period are kept (see registry-server/storage/gc.ts).
 */
import { resolve } from 'node:path';
import { createFsStorage } from '../../../../registry-server/index.js';
import { collectGarbage } from '../../../../registry-server/storage/gc.js';
import { atMost } from '../args.js';
import { dataOption, parseDuration } from '../data-options.js';
import { parseCommandArgs, type Command } from '../command.js';
import { formatBytes, printJson, printLines } from '../output.js';

const usage = `usage: plughub gc [--data DIR] [--grace 1h] [--dry-run] [--json]

Deletes the blobs (bundles) that no plugin document refers to: left by a
publish that crashed between storing its bundle and committing its version.
A blob stored within the grace period is kept whether or not a document
refers to it yet. Deleting needs the data directory to itself: while a
server writes it, gc is refused naming that server (stop it first);
--dry-run only reads, and runs beside a server.

  --data DIR        the data directory (default ./plughub-data)
  --grace TIME      keep blobs stored less than TIME ago: 1h, 90m, 2d (default 1h, at least 1m)
  --dry-run         only list what would be deleted
  --json            print { data, blobs, documents, deleted, bytes, recent, dryRun } as JSON
`;

/** The `gc` command. */
export const gc: Command = {
  name: 'gc',
  summary: 'delete the blobs no plugin document refers to',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('gc', argv, {
      ...dataOption,
      grace: { type: 'string', default: '1h' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    atMost('gc', positionals, 0);
    const graceMs = parseDuration(values.grace, '--grace', 'gc', 60_000, '1m');
    const dryRun = values['dry-run'] === true;
    const directory = resolve(io.cwd, values.data);
    const storage = createFsStorage(directory);
    try {
      // Deleting needs the directory's write lease: refused at once, naming the server, while one writes the directory.
      if (!dryRun) await storage.check();
      const result = await collectGarbage(storage, { graceMs, dryRun });
      if (values.json) {
        printJson(io, { data: directory, ...result, dryRun });
      } else {
        const verb = dryRun ? 'would delete' : 'deleted';
        const lines = [`${verb} ${result.deleted.length} of ${result.blobs} blobs (${formatBytes(result.bytes)}) in ${directory}`];
        if (dryRun) lines.push(...result.deleted.map((hex) => `  sha256/${hex}`));
        if (result.recent > 0) lines.push(`  kept ${result.recent} unreferenced blobs stored less than ${values.grace} ago`);
        printLines(io, lines);
      }
    } finally {
      await storage.close();
    }
    return 0;
  },
};
