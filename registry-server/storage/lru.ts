/**
 * A least-recently-used cache bounded by total size, used by the filesystem
 * driver to keep hot documents and blobs in memory. Entries carry a `size`;
 * adding one evicts the least recently used until the total fits.
 */

/** A size-bounded LRU map. */
export class SizedLru<V> {
  readonly #maxSize: number;
  readonly #sizeOf: (value: V) => number;
  #entries = new Map<string, V>();
  #total = 0;
  /** The key set or read last, which is the newest entry when it is still held. */
  #newest: string | undefined;

  /** `maxSize` in the unit `sizeOf` measures (bytes); an entry larger than it is never kept. */
  constructor(maxSize: number, sizeOf: (value: V) => number) {
    this.#maxSize = maxSize;
    this.#sizeOf = sizeOf;
  }

  /** The value for `key`, marking it most recently used (already the newest, it stays where it is: a hot key costs one lookup). */
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined || key === this.#newest) return value;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.#newest = key;
    return value;
  }

  /** Stores a value, evicting the least recently used entries as needed. */
  set(key: string, value: V): void {
    this.delete(key);
    const size = this.#sizeOf(value);
    if (size > this.#maxSize) return;
    this.#entries.set(key, value);
    this.#newest = key;
    this.#total += size;
    for (const [oldest, old] of this.#entries) {
      if (this.#total <= this.#maxSize) break;
      this.#entries.delete(oldest);
      this.#total -= this.#sizeOf(old);
    }
  }

  /** Forgets `key`. */
  delete(key: string): void {
    const value = this.#entries.get(key);
    if (value === undefined) return;
    this.#entries.delete(key);
    this.#total -= this.#sizeOf(value);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#total = 0;
  }
}
