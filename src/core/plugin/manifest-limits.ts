/**
 * The bounds of plugin.json: how long each stored or listed field may be, how
 * many entries a list may hold, and the shape limits every manifest object
 * must keep — nesting depth, no prototype keys (`__proto__`, `constructor`,
 * `prototype`), total size and size of the unknown top-level fields. A
 * publish (pack, the registry) applies them all; a host reading a version
 * that may have been published before they held applies only
 * MANIFEST_READ_LIMITS and the shape checks that keep it safe. The
 * shape is checked by one iterative walk (no recursion: a manifest nested
 * 5,000 deep is refused, never overflows the stack) that stops as soon as a
 * bound is passed, so its work is bounded whatever the input.
 */
import type { ManifestIssue } from '../errors/index.js';

/** Bounds of the known fields (characters, or entries for lists). */
export const MANIFEST_FIELD_LIMITS = Object.freeze({
  /** `description`: shown in every list row. */
  description: 300,
  /** Entries of `maintainers`. */
  maintainers: 32,
  /** One maintainer's e-mail address (the longest an address can be). */
  maintainer: 254,
  /** `home`. */
  home: 2048,
  /** `license`. */
  license: 256,
  /** Entries of `keywords` (the registry's search filters on them). */
  keywords: 20,
  /** One keyword: lower-case letters, digits and dashes. */
  keyword: 50,
  /** `source.path`. */
  sourcePath: 1024,
  /** A semver range: `engines.host` and each dependency's. */
  range: 256,
  /** Entries of `dependencies`. */
  dependencies: 64,
  /** `http_services.driver` and each route's `label`. */
  label: 128,
  /** Entries of `http_services.routes`. */
  routes: 64,
  /** Each route's `route`. */
  route: 1024,
  /** `origin.url`: the repository a version was built from. */
  originUrl: 2048,
  /** `origin.ref`: the tag (or branch) it was built at. */
  originRef: 256,
});

/**
 * What a host checks of a manifest it reads (a registry document, a folder
 * for loadDir), besides nesting depth and prototype keys: only what it acts
 * on. Fields that are only shown (description, maintainers, home, license,
 * http_services) and unknown fields are bounded by the total size alone.
 */
export const MANIFEST_READ_LIMITS = Object.freeze({
  /** The manifest serialized as JSON (UTF-8), in bytes; a document holding it is bounded at 8 MiB. */
  jsonBytes: 1024 * 1024,
  /** Entries of `dependencies` (a load plan holds at most 256 plugins). */
  dependencies: 256,
  /** A semver range: `engines.host` and each dependency's. */
  range: 256,
  /** `source.path`. */
  sourcePath: 1024,
});

/** Objects and arrays may nest this deep, the manifest object itself being level 1. */
export const MAX_MANIFEST_DEPTH = 16;
/** The manifest serialized as JSON (UTF-8) may take this many bytes. */
export const MAX_MANIFEST_JSON_BYTES = 64 * 1024;
/** Unknown top-level fields, serialized together as one JSON object, may take this many bytes. */
export const MAX_UNKNOWN_FIELDS_BYTES = 8 * 1024;

/** Keys that change or shadow an object's prototype when copied naively; refused anywhere in a manifest. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface Visit {
  value: unknown;
  depth: number;
  key: string | number | undefined;
  parent: Visit | undefined;
}

/** `source.path`, `a[0].b`: the path of a visited node, each key cut to 40 characters. */
function pathOf(visit: Visit): string {
  const keys: (string | number)[] = [];
  for (let node: Visit | undefined = visit; node?.key !== undefined; node = node.parent) keys.push(node.key);
  let out = '';
  for (const key of keys.reverse()) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += `${out.length === 0 ? '' : '.'}${key.length > 40 ? `${key.slice(0, 40)}…` : key}`;
  }
  return out.length === 0 ? '(root)' : out;
}

/** UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/**
 * The first shape problem of a manifest object, or undefined: a container
 * deeper than MAX_MANIFEST_DEPTH, a prototype key, a value JSON cannot hold,
 * or more than `maxJsonBytes` in all (counted as it walks, a lower bound of
 * the JSON size, so the walk stops early on huge input).
 */
export function checkManifestShape(input: object, maxJsonBytes: number = MAX_MANIFEST_JSON_BYTES): ManifestIssue | undefined {
  const stack: Visit[] = [{ value: input, depth: 1, key: undefined, parent: undefined }];
  let bytes = 0;
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      bytes += value.length + 2;
    } else if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') {
      return { path: pathOf(visit), message: 'must be a JSON value' };
    } else if (typeof value === 'object' && value !== null) {
      if (visit.depth > MAX_MANIFEST_DEPTH) return { path: pathOf(visit), message: `is nested deeper than ${MAX_MANIFEST_DEPTH} levels` };
      bytes += 2;
      if (Array.isArray(value)) {
        for (let index = value.length - 1; index >= 0; index--) {
          stack.push({ value: value[index], depth: visit.depth + 1, key: index, parent: visit });
        }
        bytes += value.length;
      } else {
        const keys = Object.keys(value);
        for (let index = keys.length - 1; index >= 0; index--) {
          const key = keys[index]!;
          const child: Visit = { value: (value as Record<string, unknown>)[key], depth: visit.depth + 1, key, parent: visit };
          if (PROTOTYPE_KEYS.has(key)) return { path: pathOf(child), message: `the key "${key}" is not allowed in plugin.json` };
          stack.push(child);
          bytes += key.length + 4;
        }
      }
    } else {
      bytes += 1;
    }
    if (bytes > maxJsonBytes) {
      return { path: '(root)', message: `plugin.json takes at least ${bytes} bytes: at most ${maxJsonBytes} are allowed` };
    }
  }
  const total = utf8Length(JSON.stringify(input));
  if (total > maxJsonBytes) {
    return { path: '(root)', message: `plugin.json takes ${total} bytes: at most ${maxJsonBytes} are allowed` };
  }
  return undefined;
}

/**
 * The problem of the unknown top-level fields (those not in `known`) when,
 * serialized together, they take more than MAX_UNKNOWN_FIELDS_BYTES; call
 * it once checkManifestShape passed (the input is then safe to serialize).
 */
export function checkUnknownFields(input: Record<string, unknown>, known: ReadonlySet<string>): ManifestIssue | undefined {
  const unknown = Object.keys(input).filter((key) => !known.has(key));
  if (unknown.length === 0) return undefined;
  const bytes = utf8Length(JSON.stringify(Object.fromEntries(unknown.map((key) => [key, input[key]]))));
  if (bytes <= MAX_UNKNOWN_FIELDS_BYTES) return undefined;
  const names = unknown.length > 5 ? `${unknown.slice(0, 5).join(', ')}, …` : unknown.join(', ');
  return { path: '(root)', message: `unknown fields (${names}) take ${bytes} bytes: at most ${MAX_UNKNOWN_FIELDS_BYTES} are allowed` };
}
