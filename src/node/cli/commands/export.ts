/**
 * `plughub export --data DIR --out DIR [--expires 30d]`: writes the registry
 * of a data directory as static files (signed document, list and keys
 * envelopes, and the blobs) for any static host, CDN or object store. See
 * registry-server/trust/export.ts for the layout.
 */
import { resolve } from 'node:path';
import { Signer, createFsStorage, createFsSigningStore, exportRegistry } from '../../../../registry-server/index.js';
import { atMost, usageError } from '../args.js';
import { dataOption } from '../data-options.js';
import { parseCommandArgs, type Command } from '../command.js';
import { printJson, printLines } from '../output.js';

const usage = `usage: plughub export --out DIR [--data DIR] [--expires 30d] [--json]

Writes the registry as static files: v1/plugins/<name>, v1/index (the
plugin list), v1/keys/<n> (and v1/keys/index.html, the newest), all signed
envelopes, and v1/blobs/sha256/<hex>. Serve DIR from any static host and
point hosts at its URL. Re-export before the signatures expire.

  --out DIR         where to write (created; existing files are overwritten)
  --data DIR        the data directory (default ./plughub-data)
  --expires TIME    how long the signatures hold: 30d, 12h, 90m (default 30d)
  --json            print { out, files, plugins, blobs, expires } as JSON
`;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration such as `30d`, `12h`, `90m`, `600s`. */
function parseDuration(text: string, option: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  const ms = match === null ? Number.NaN : Number(match[1]) * UNITS[match[2]!]!;
  if (!Number.isSafeInteger(ms) || ms < 2 * UNITS.d!) {
    throw usageError('export', `${option} must be a duration of at least 2d such as 30d, 48h (got "${text}")`);
  }
  return ms;
}

/** The `export` command. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write the registry as signed static files for a CDN',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('export', argv, {
      ...dataOption,
      out: { type: 'string' },
      expires: { type: 'string', default: '30d' },
      json: { type: 'boolean' },
    });
    atMost('export', positionals, 0);
    if (values.out === undefined) throw usageError('export', 'missing --out DIR');
    const ttlMs = parseDuration(values.expires, '--expires');
    const directory = resolve(io.cwd, values.data);
    const out = resolve(io.cwd, values.out);
    const storage = createFsStorage(directory);
    try {
      const signer = new Signer({ store: createFsSigningStore(directory) });
      const result = await exportRegistry({ storage, signer, out, ttlMs });
      if (values.json) {
        printJson(io, { out, ...result });
      } else {
        printLines(io, [`exported ${result.plugins} plugins and ${result.blobs} blobs to ${out}`, `  signatures expire ${result.expires}`]);
      }
    } finally {
      await storage.close();
    }
    return 0;
  },
};
