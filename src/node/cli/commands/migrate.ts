/**
 * `plughub migrate --from <data-dir|postgres://…> --to <postgres://…|data-dir>`:
 * moves a whole registry between a data directory and a PostgreSQL database
 * (documents, blobs, token hashes, signing state, download counts), then
 * verifies the copy and prints a summary. A target that already holds a
 * plugin, a token or a keyring is refused unless `--force`. Run it with the
 * servers stopped (or read-only): what they write meanwhile is not copied.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { migrateRegistry, targetContents, type MigrationEnd } from '../migrate-registry.js';
import { isPostgresUrl, openRegistryStore, redactStorage } from '../registry-store.js';
import { openTokenRecords } from '../token-records.js';

const usage = `usage: plughub migrate --from DIR|URL --to URL|DIR [--force]

Copies a whole registry between a data directory and a PostgreSQL database
(either way, or between two of a kind): every document, blob, token (its
hash; secrets are never stored), the signing keys, keys envelopes and signed
records with their version counters, and the download counts. Then reads
everything back from the target, compares it with the source (counts and
SHA-256 digests) and prints a summary. Stop the servers first.

  --from DIR|URL   the registry to copy: a data directory or postgres://user:password@host:port/db
  --to URL|DIR     where to copy it (a database's schema is created first)
  --force          copy even when the target holds plugins, tokens or a keyring
                   (what the source has replaces what the target has of the same name)
`;

async function openEnd(location: string, log: (line: string) => void): Promise<MigrationEnd> {
  const store = await openRegistryStore('plughub migrate', location, (entry) => log(entry.message));
  try {
    return { store, tokens: await openTokenRecords(location, store.where) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The `migrate` command. */
export const migrate: Command = {
  name: 'migrate',
  summary: 'copy a registry between a data directory and PostgreSQL',
  usage,
  async run(argv, io) {
    const { values } = parseCommandArgs('migrate', argv, {
      from: { type: 'string' },
      to: { type: 'string' },
      force: { type: 'boolean' },
    });
    if (values.from === undefined || values.to === undefined) throw usageError('migrate', 'give both --from and --to (a data directory or a postgres:// URL)');
    const locate = (text: string) => (isPostgresUrl(text) ? text : resolve(io.cwd, text));
    const from = locate(values.from);
    const to = locate(values.to);
    if (!isPostgresUrl(from) && !existsSync(from)) throw usageError('migrate', `--from ${from}: no such data directory`);
    if (from === to) throw usageError('migrate', `--from and --to are the same registry (${redactStorage(from)})`);
    const log = (line: string) => io.stderr.write(`${redactStorage(line)}\n`);
    const source = await openEnd(from, log);
    try {
      const target = await openEnd(to, log);
      try {
        const contents = await targetContents(target);
        if (contents !== undefined && values.force !== true) {
          io.stderr.write(`plughub: ${target.store.where} already holds ${contents}; migrate copies into an empty registry (--force to copy anyway)\n`);
          return 1;
        }
        const summary = await migrateRegistry(source, target, log);
        io.stdout.write(
          `migrated ${source.store.where} to ${target.store.where}: ${summary.documents} documents, ${summary.blobs} blobs (${summary.blobBytes} bytes), ` +
            `${summary.tokens} tokens, ${summary.keysEnvelopes} keys envelopes, ${summary.signedRecords} signed records, download counts of ${summary.downloads} plugins; verified\n`,
        );
        return 0;
      } finally {
        await target.tokens.close();
        await target.store.close();
      }
    } finally {
      await source.tokens.close();
      await source.store.close();
    }
  },
};
