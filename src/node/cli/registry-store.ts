/**
 * Where a registry command (serve, token, migrate) finds the registry's
 * storage, tokens and signing state: a data directory (`--data DIR`, the
 * default ./plughub-data) or a PostgreSQL database (`--storage
 * postgres://…`, or PLUGHUB_STORAGE). A database URL's password never
 * appears in what the commands print: `redactStorage` replaces it.
 */
import { resolve } from 'node:path';
import {
  createFileTokenStore,
  createFsSigningStore,
  createFsStorage,
  type RegistryLogEntry,
  type RegistryStorage,
  type SigningStore,
  type TokenInfo,
  type TokenScopes,
  type TokenStore,
} from '../../../registry-server/index.js';
import { usageError } from './args.js';
import type { CliIO } from './command.js';
import { importOptionalPackages } from './optional-packages.js';

/** A registry's storage, tokens and signing state, opened by a command. */
export interface OpenedRegistryStore {
  /** `fs` or `postgres`. */
  kind: 'fs' | 'postgres';
  /** The data directory, or the database URL with its password replaced: what messages name. */
  where: string;
  storage: RegistryStorage;
  tokens: TokenStore & { createFirst(scopes: TokenScopes): Promise<{ token: string; info: TokenInfo } | undefined> };
  signing: SigningStore;
  /** Closes what was opened (the storage, and the database connections). */
  close(): Promise<void>;
}

/** True when `text` is a PostgreSQL connection URL. */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** `text` with the password of every URL in it (`scheme://user:password@…`) replaced by `***`, for log lines and errors. */
export function redactStorage(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)[^@\s/]*@/gi, '$1***@');
}

/**
 * What `--storage` (or PLUGHUB_STORAGE) and `--data` name: a database URL,
 * or a data directory resolved against the working directory. Both at once
 * is a UsageError of `command`; `--storage` takes only postgres:// URLs.
 */
export function storageLocation(command: string, values: { storage?: string; data?: string }, io: CliIO, defaultData = './plughub-data'): string {
  const storage = values.storage ?? io.env.PLUGHUB_STORAGE?.trim() ?? undefined;
  if (values.storage !== undefined && values.data !== undefined) throw usageError(command, '--storage and --data name two registries: give one');
  if (storage !== undefined && storage !== '' && values.data === undefined) {
    if (!isPostgresUrl(storage))
      throw usageError(command, `--storage must be a postgres:// URL, not "${redactStorage(storage)}" (a data directory goes to --data)`);
    return storage;
  }
  return resolve(io.cwd, values.data ?? defaultData);
}

/**
 * Opens the registry at `location` (a data directory or a postgres:// URL)
 * for `task` (such as `plughub serve`, named when the `postgres` package is
 * missing). A database's migrations run before it resolves.
 */
export async function openRegistryStore(task: string, location: string, log?: (entry: RegistryLogEntry) => void): Promise<OpenedRegistryStore> {
  if (!isPostgresUrl(location)) {
    const storage = createFsStorage(location, log === undefined ? {} : { log });
    return {
      kind: 'fs',
      where: location,
      storage,
      tokens: createFileTokenStore(location),
      signing: createFsSigningStore(location),
      close: () => storage.close(),
    };
  }
  await importOptionalPackages(task, ['postgres']);
  const { createPgStorage } = await import('../../../registry-server/pg/index.js');
  const where = redactStorage(location);
  const store = await createPgStorage({
    url: location,
    ...(log === undefined ? {} : { log: (entry) => log({ ...entry, message: redactStorage(entry.message) }) }),
  }).catch((error: unknown) => {
    throw new Error(`${where}: ${redactStorage(error instanceof Error ? error.message : String(error))}`);
  });
  return {
    kind: 'postgres',
    where,
    storage: store.storage,
    tokens: store.tokens,
    signing: store.signing,
    async close() {
      await store.storage.close();
      await store.close();
    },
  };
}

/** The token store alone of the registry at `location` (a data directory keeps its other parts untouched), with how to close it. */
export async function openTokenStore(task: string, location: string): Promise<{ tokens: TokenStore; where: string; close(): Promise<void> }> {
  if (!isPostgresUrl(location)) return { tokens: createFileTokenStore(location), where: location, close: async () => {} };
  const store = await openRegistryStore(task, location);
  return { tokens: store.tokens, where: store.where, close: () => store.close() };
}
