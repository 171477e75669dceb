/**
 * The path rules of a `.plg` package: entry paths are relative, `/`-separated,
 * with no `..`, no empty or `.` segments, no backslashes or NUL, and each path
 * appears once — also when compared without letter case or Unicode
 * normalization, so a package unpacks the same on every filesystem. A leading
 * `./` is allowed and dropped (`./plugin.json` is `plugin.json`).
 */
import { PackageError } from './errors.js';

/**
 * Normalizes an entry path; `''` stands for the archive root (`./`). Throws
 * PackageError E_UNSAFE_ENTRY for absolute, `..` or otherwise unsafe paths.
 */
export function normalizeEntryPath(raw: string): string {
  const unsafe = (why: string) => new PackageError(`unsafe path ${JSON.stringify(raw)} in the package: ${why}`, 'E_UNSAFE_ENTRY', { entry: raw });
  if (raw.includes('\0')) throw unsafe('it contains a NUL character');
  if (raw.includes('\\')) throw unsafe('it contains a backslash');
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw unsafe('it is absolute');
  let path = raw;
  while (path.startsWith('./')) path = path.slice(2);
  if (path === '.' || path === '') return '';
  if (path.endsWith('/')) path = path.slice(0, -1);
  const segments = path.split('/');
  if (segments.includes('..')) throw unsafe('it leaves the package with ".."');
  if (segments.some((segment) => segment === '' || segment === '.')) throw unsafe('it has an empty or "." segment');
  return path;
}

/**
 * The set of paths seen in one package. `add` refuses a path that is already
 * there (exactly, or differing only in case or Unicode normalization) and a
 * path that uses a file as a directory, or a directory as a file.
 */
export class EntryPathSet {
  #folded = new Map<string, { path: string; directory: boolean }>();
  /** Every folded ancestor directory of a recorded path, with the path that implied it. */
  #ancestors = new Map<string, string>();

  /** Records a normalized path; throws PackageError E_DUPLICATE_ENTRY or E_UNSAFE_ENTRY. */
  add(path: string, directory: boolean): void {
    const folded = fold(path);
    const previous = this.#folded.get(folded);
    if (previous) {
      const how = previous.path === path ? 'twice' : `twice, as ${JSON.stringify(previous.path)} and ${JSON.stringify(path)} (paths must differ in more than letter case)`;
      throw new PackageError(`the package holds ${JSON.stringify(path)} ${how}`, 'E_DUPLICATE_ENTRY', { entry: path });
    }
    const segments = folded.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = this.#folded.get(segments.slice(0, i).join('/'));
      if (parent && !parent.directory) {
        throw new PackageError(`${JSON.stringify(path)} is inside ${JSON.stringify(parent.path)}, which is a file`, 'E_UNSAFE_ENTRY', { entry: path });
      }
    }
    const child = this.#ancestors.get(folded);
    if (!directory && child !== undefined) {
      throw new PackageError(`${JSON.stringify(path)} is a file, but ${JSON.stringify(child)} uses it as a directory`, 'E_UNSAFE_ENTRY', { entry: path });
    }
    for (let i = 1; i < segments.length; i++) this.#ancestors.set(segments.slice(0, i).join('/'), path);
    this.#folded.set(folded, { path, directory });
  }
}

function fold(path: string): string {
  return path.normalize('NFC').toLowerCase();
}
