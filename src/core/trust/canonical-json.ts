/**
 * The canonical JSON text of a JSON value, for signature inputs that cover
 * parsed data (the manifest fields of author signatures): object keys
 * sorted by UTF-16 code units (the order of `Array.prototype.sort`), no
 * whitespace, strings and numbers as `JSON.stringify` writes them, arrays in
 * order. Two parties holding the same JSON data produce the same text
 * whatever the key order or spacing of the file they read it from. Nesting
 * is bounded, so hostile input costs linear work and no deep recursion.
 */
import { SignatureError } from '../errors/index.js';

/** The deepest nesting of objects and arrays canonicalJson accepts. */
export const MAX_CANONICAL_DEPTH = 16;

/**
 * Writes `value` canonically; throws a SignatureError for a value that is not
 * JSON data (undefined, a function, a non-finite number) or nested deeper
 * than MAX_CANONICAL_DEPTH.
 *
 * @example canonicalJson({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SignatureError(`cannot sign the number ${value}: not JSON`);
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw new SignatureError(`cannot sign a value of type ${typeof value}: not JSON`);
  if (depth >= MAX_CANONICAL_DEPTH) throw new SignatureError(`cannot sign data nested deeper than ${MAX_CANONICAL_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key], depth + 1)}`).join(',')}}`;
}
