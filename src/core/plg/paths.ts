/**
 * The path rules of a `.plg` package: entry paths are relative, `/`-separated,
 * with no `..`, no empty or `.` segments, no backslashes or NUL, at most
 * MAX_PATH_LENGTH characters and MAX_PATH_DEPTH segments, and each path
 * appears once — also when compared without letter case or Unicode
 * normalization, so a package unpacks the same on every filesystem. A leading
 * `./` is allowed and dropped (`./plugin.json` is `plugin.json`); no path is
 * absolute, and none holds a `:` (a Windows drive or stream name). Every check
 * costs time linear in the length of the path.
 */
import { PackageError } from './errors.js';

/** The longest entry path accepted, in characters (as stored, before `./` is dropped). */
export const MAX_PATH_LENGTH = 1024;

/** The most segments an entry path may have (`dist/index.js` has 2). */
export const MAX_PATH_DEPTH = 32;

/** A path as messages show it: quoted, and cut short when long. */
export function shownPath(path: string): string {
  return JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
}

/**
 * Normalizes an entry path; `''` stands for the archive root (`./`). Throws
 * PackageError E_UNSAFE_ENTRY for absolute, `..`, too long, too deep or
 * otherwise unsafe paths.
 */
export function normalizeEntryPath(raw: string): string {
  const unsafe = (why: string) => new PackageError(`unsafe path ${shownPath(raw)} in the package: ${why}`, 'E_UNSAFE_ENTRY', { entry: raw });
  if (raw.length > MAX_PATH_LENGTH) throw unsafe(`it is ${raw.length} characters long, more than the ${MAX_PATH_LENGTH} allowed`);
  if (raw.includes('\0')) throw unsafe('it contains a NUL character');
  if (raw.includes('\\')) throw unsafe('it contains a backslash');
  if (raw.includes(':')) throw unsafe('it contains a colon (a drive or a stream name on Windows)');
  let path = raw;
  while (path.startsWith('./')) path = path.slice(2);
  if (path.startsWith('/')) throw unsafe('it is absolute');
  if (path === '.' || path === '') return '';
  if (path.endsWith('/')) path = path.slice(0, -1);
  const segments = path.split('/');
  if (segments.length > MAX_PATH_DEPTH) throw unsafe(`it has ${segments.length} segments, more than the ${MAX_PATH_DEPTH} allowed`);
  if (segments.includes('..')) throw unsafe('it leaves the package with ".."');
  if (segments.some((segment) => segment === '' || segment === '.')) throw unsafe('it has an empty or "." segment');
  return path;
}

/** One folded path segment in the tree of recorded paths. */
interface PathNode {
  /** `implied` when only a deeper path named it (a directory nobody listed). */
  kind: 'file' | 'directory' | 'implied';
  /** The path as recorded (for an implied directory: the first path inside it). */
  path: string;
  children?: Map<string, PathNode>;
}

/**
 * The set of paths seen in one package, kept as a tree of folded segments so
 * that recording a path costs time linear in its length. `add` refuses a path
 * that is already there (exactly, or differing only in case or Unicode
 * normalization) and a path that uses a file as a directory, or a directory
 * as a file.
 */
export class EntryPathSet {
  #root: PathNode = { kind: 'directory', path: '' };

  /** Records a normalized path; throws PackageError E_DUPLICATE_ENTRY or E_UNSAFE_ENTRY. */
  add(path: string, directory: boolean): void {
    const segments = fold(path).split('/');
    const last = segments.pop() as string;
    let node = this.#root;
    for (const segment of segments) {
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { kind: 'implied', path };
        node.children.set(segment, child);
      } else if (child.kind === 'file') {
        throw new PackageError(`${JSON.stringify(path)} is inside ${JSON.stringify(child.path)}, which is a file`, 'E_UNSAFE_ENTRY', { entry: path });
      }
      node = child;
    }
    node.children ??= new Map();
    const previous = node.children.get(last);
    if (previous === undefined) {
      node.children.set(last, { kind: directory ? 'directory' : 'file', path });
      return;
    }
    if (previous.kind !== 'implied') {
      const how =
        previous.path === path
          ? 'twice'
          : `twice, as ${JSON.stringify(previous.path)} and ${JSON.stringify(path)} (paths must differ in more than letter case)`;
      throw new PackageError(`the package holds ${JSON.stringify(path)} ${how}`, 'E_DUPLICATE_ENTRY', { entry: path });
    }
    if (!directory) {
      throw new PackageError(`${JSON.stringify(path)} is a file, but ${JSON.stringify(previous.path)} uses it as a directory`, 'E_UNSAFE_ENTRY', {
        entry: path,
      });
    }
    previous.kind = 'directory';
    previous.path = path;
  }
}

function fold(path: string): string {
  return path.normalize('NFC').toLowerCase();
}
