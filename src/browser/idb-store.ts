/**
 * The IndexedDB store behind the browser caches: one idb-keyval custom store
 * (a `UseStore`, object store `cache`) per database name, so two apps on one
 * origin keep apart by naming their databases differently. Blobs, their
 * bookkeeping and documents share the store under array keys
 * (`['blob', integrity]`, `['blob-info', integrity]`, `['document', registry,
 * name]`), one object store per database as idb-keyval has it. Tests (and
 * workers with their own factory) inject `indexedDB` and `IDBKeyRange`;
 * without them the page's globals are used.
 *
 * A first visit finds no database, and creating one takes a few
 * milliseconds. The store first asks `indexedDB.databases()` (one quick
 * round trip, where the factory has it; asked while an open creates a
 * database, it would wait for the creation). When the name is listed, it
 * opens the database at once. When it is not, the caches know they hold
 * nothing and answer their reads "not cached" without a transaction, and
 * the database is created by the first write through the store (the
 * host's first document, beside the rest of the load), after which reads
 * go to it. A write by another connection meanwhile is only missed (the
 * host downloads and verifies again); a read never answers what is not
 * stored.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';

/** Where the browser caches keep their data. */
export interface IndexedDbOptions {
  /** Name of the IndexedDB database; default `plughub`. Give each app on an origin its own. */
  database?: string;
  /** The IndexedDB factory; default the global `indexedDB`. */
  indexedDB?: IDBFactory;
  /** The key-range class of that factory's realm; default the global `IDBKeyRange`. */
  IDBKeyRange?: typeof IDBKeyRange;
}

/** The database name used when none is given. */
export const DEFAULT_DATABASE = 'plughub';

/** The one object store inside each database. */
const STORE_NAME = 'cache';

/** An opened (lazily) store plus what the caches need to query it. */
export interface CacheStore {
  readonly database: string;
  /** Runs `callback` in a transaction on the store (idb-keyval's UseStore). */
  readonly use: UseStore;
  /** Opens the connection now rather than at first use, when the database exists (a failure is left for that use to report). */
  connect(): void;
  /**
   * True when the database did not exist as this store first connected and
   * nothing has been written through the store since: every read would
   * find nothing, so a cache answers it without a transaction.
   */
  knownEmpty(): Promise<boolean>;
  /** The range of every key `[kind, …]` of one kind. */
  kindRange(kind: string): IDBKeyRange;
}

/**
 * Opens the cache store of `options.database` on `options.indexedDB` (default
 * the global factory), lazily at first use.
 */
export function openCacheStore(options: IndexedDbOptions = {}): CacheStore {
  const database = options.database ?? DEFAULT_DATABASE;
  if (typeof database !== 'string' || database.length === 0) {
    throw new TypeError('plughub: the IndexedDB database name must be a non-empty string');
  }
  const factory = () => options.indexedDB ?? globalThis.indexedDB;
  const { use: transact, connect } = createStore(factory, database, STORE_NAME);
  let absent: Promise<boolean> | undefined;
  let written = false;
  /** Asks, once and before the first open can create it, whether the database exists. */
  const checkAbsent = (): Promise<boolean> => {
    absent ??= listed(factory(), database).then(
      (found) => found === false,
      () => false,
    );
    return absent;
  };
  // The database is opened once the question is answered: asked while an open creates the database, it would wait for that.
  const use: UseStore = (mode, callback) => {
    if (mode === 'readwrite') written = true;
    return checkAbsent().then(() => transact(mode, callback));
  };
  return {
    database,
    use,
    connect() {
      // A database that does not exist yet is created by the first write instead, sparing the requests of a first load its creation.
      checkAbsent()
        .then((empty) => (empty ? undefined : connect()))
        .catch(() => undefined);
    },
    async knownEmpty() {
      if (written) return false;
      const empty = await checkAbsent();
      return empty && !written;
    },
    kindRange(kind) {
      const Range = options.IDBKeyRange ?? globalThis.IDBKeyRange;
      // Arrays sort after strings, so [kind, []] is above every [kind, string, …].
      return Range.bound([kind], [kind, []]);
    },
  };
}

/** Whether `indexedDB.databases()` lists `database`; undefined where the factory cannot say. */
async function listed(factory: IDBFactory, database: string): Promise<boolean | undefined> {
  if (typeof factory.databases !== 'function') return undefined;
  const databases = await factory.databases();
  return databases.some((info) => info.name === database);
}

/**
 * idb-keyval's `createStore(database, storeName)`, on a given IDBFactory and
 * sturdier: the connection closes when another one wants to upgrade or delete
 * the database (so an app can delete it without waiting for a reload) and
 * reopens on next use; a database of that name that lacks the store (made by
 * someone else) gets it in a version upgrade instead of failing every call.
 */
function createStore(factory: () => IDBFactory, database: string, storeName: string): { use: UseStore; connect: () => Promise<IDBDatabase> } {
  let pending: Promise<IDBDatabase> | undefined;

  const open = (version?: number): Promise<IDBDatabase> => {
    const request = version === undefined ? factory().open(database) : factory().open(database, version);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName);
    };
    return promisifyRequest(request).then((db) => {
      if (db.objectStoreNames.contains(storeName)) return db;
      db.close();
      return open(db.version + 1);
    });
  };

  const connect = () => {
    if (pending) return pending;
    const opened = open();
    const forget = () => {
      if (pending === opened) pending = undefined;
    };
    pending = opened;
    opened.then((db) => {
      db.onclose = forget;
      db.onversionchange = () => {
        db.close();
        forget();
      };
    }, forget);
    return opened;
  };

  // Relaxed durability: what the caches store is verified when it is read, so a write lost in a crash is only fetched again.
  const options: IDBTransactionOptions = { durability: 'relaxed' };
  return { use: (mode, callback) => connect().then((db) => callback(db.transaction(storeName, mode, options).objectStore(storeName))), connect };
}

/**
 * Resolves with `result()` once the store's transaction has committed, or
 * rejects with the transaction's error when it aborts.
 */
export function whenDone<T>(store: IDBObjectStore, result: () => T): Promise<T> {
  const transaction = store.transaction;
  return new Promise<T>((resolve, reject) => {
    transaction.oncomplete = () => resolve(result());
    transaction.onerror = transaction.onabort = () => reject(transaction.error ?? new DOMException('IndexedDB transaction aborted', 'AbortError'));
  });
}
