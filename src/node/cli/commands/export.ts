/**
 * `plughub export --data DIR --out DIR [--expires 30d]`: writes the registry
 * of a data directory as static files (signed document, list and keys
 * envelopes, and the blobs) for any static host, CDN or object store. See
 * registry-server/trust/export.ts for the layout.
 */
import { resolve } from 'node:path';
import { Signer, createFsStorage, createFsSigningStore, exportRegistry } from '../../../../registry-server/index.js';
import { atMost, usageError } from '../args.js';
import { dataOption, parseDuration } from '../data-options.js';
import { parseCommandArgs, type Command } from '../command.js';
import { printJson, printLines } from '../output.js';

const usage = `usage: plughub export --out DIR [--data DIR] [--expires 30d] [--json]

Writes the registry as static files: v1/plugins/<name>, v1/index (the
plugin list), v1/keys/<n> (and v1/keys/index.html, the newest), all signed
envelopes, and v1/blobs/sha256/<hex>. Serve DIR from any static host and
point hosts at its URL. Re-export before the signatures expire. Every JSON
file has < > & escaped (as \\u003c …), so that none of it is markup even where
a server answers index.html as text/html.

  --out DIR         where to write (created; existing files are overwritten)
  --data DIR        the data directory (default ./plughub-data)
  --expires TIME    how long the signatures hold: 30d, 12h, 90m (default 30d)
  --json            print { out, files, plugins, blobs, expires } as JSON
`;

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
    const ttlMs = parseDuration(values.expires, '--expires', 'export', 2 * 86_400_000, '2d');
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
