/**
 * Recipes of `.plg` bytes for the fuzz properties, small enough for
 * fast-check to print and shrink, and the functions that build them: archives
 * of tar-ish parts (headers with any field, pax and GNU extension entries,
 * raw blocks), valid packages with extra entries at any path, and mutations
 * of a valid package (bytes, header fields with the checksum fixed, pax
 * records, floods of pax headers, truncation, splices, gzip-level damage).
 */
import * as fc from 'fast-check';
import { jsonText } from './hostile-json.js';
import { manifestArb, manifestOf, validManifest, type ManifestRecipe } from './manifest-arbitraries.js';
import {
  BLOCK,
  FIELDS,
  concat,
  endMarker,
  entry,
  fileEntry,
  fixChecksum,
  gunzipBytes,
  gzipBytes,
  headerOffsets,
  paxRecords,
  setField,
  type FieldName,
} from './tar-builder.js';
import { deepPathArb, pathArb, pathText, rarely, type DeepPath } from './text-arbitraries.js';

const encoder = new TextEncoder();
const BUNDLE = 'export function execute() { return 1; }\n';

const typeFlagArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('0', '\0', '5', 'x', 'g', 'L', 'K', '1', '2', '3', '4', '6', '7') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
);

const numberTextArb = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 4096 }).map((n) => n.toString(8).padStart(11, '0')) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '-1', 'zz', ' 12 ', '77777777777', '99', '1e3', '0x10', '\u0000123', '00000001000 ') },
);

/** Raw bytes for a numeric field: base-256 (`0x80` first) or anything. */
const rawNumberArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => {
    const out = new Uint8Array(bytes);
    out[0] = 0x80 | (out[0]! & 0x7f);
    return out;
  }),
  fc.uint8Array({ maxLength: 12 }),
);

/** Any value for a header field. */
const fieldValueArb: fc.Arbitrary<{ field: FieldName; value: string | Uint8Array }> = fc.oneof(
  fc.record({ field: fc.constantFrom<FieldName>('size', 'mode', 'mtime', 'checksum', 'uid', 'gid'), value: fc.oneof(numberTextArb, rawNumberArb) }),
  fc.record({ field: fc.constantFrom<FieldName>('name', 'linkName', 'prefix'), value: fc.oneof(pathArb, fc.uint8Array({ maxLength: 155 })) }),
  fc.record({ field: fc.constant<FieldName>('type'), value: typeFlagArb }),
  fc.record({ field: fc.constantFrom<FieldName>('magic', 'version'), value: fc.constantFrom('ustar\0', 'ustar ', '00', ' \0', '', 'xx') }),
);

const PAX_KEYS = ['path', 'size', 'linkpath', 'mtime', 'uid', 'gid', 'uname', 'atime', 'comment', 'SCHILY.xattr.user.x', 'GNU.sparse.size', '', '=', ' '];

/** Pax records, mostly well-formed with odd values, or raw bytes. */
const paxBodyArb: fc.Arbitrary<PaxBody> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      records: fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...PAX_KEYS), fc.string({ maxLength: 8 })),
          fc.oneof(pathArb, deepPathArb, numberTextArb, fc.constantFrom('0', '12', '-5', '9007199254740993', '1.5', ''), fc.string({ maxLength: 20 })),
        ),
        { maxLength: 4 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      raw: fc.oneof(
        fc.constantFrom('999999999999 path=x\n', '0 =\n', '10 path\n', '5 a=b\n', '1e3 x=y\n', ' 12 path=a\n', '6 =x\n\n', '-3 a=b\n', '\n'),
        fc.string({ maxLength: 40 }),
      ),
    }),
  },
);

/** Pax records (values may be deep path recipes), or raw text. */
type PaxBody = { records: [string, string | DeepPath][] } | { raw: string };

function paxBody(body: PaxBody): Uint8Array {
  return 'raw' in body ? encoder.encode(body.raw) : paxRecords(body.records.map(([key, value]) => [key, pathText(value)]));
}

/** One part of a tar-ish stream. */
export type TarPart =
  | {
      kind: 'header';
      name: string;
      type: string;
      size: string;
      contentLength: number;
      overrides: { field: FieldName; value: string | Uint8Array }[];
      badChecksum: boolean;
    }
  | { kind: 'pax'; type: 'x' | 'g'; body: PaxBody }
  | { kind: 'gnu'; type: 'L' | 'K'; name: string | DeepPath }
  | { kind: 'file'; path: string | DeepPath; content: string }
  | { kind: 'block'; bytes: Uint8Array }
  | { kind: 'zero' };

const tarPartArb: fc.Arbitrary<TarPart> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('header' as const),
      name: pathArb,
      type: typeFlagArb,
      size: numberTextArb,
      contentLength: fc.nat({ max: 1500 }),
      overrides: fc.array(fieldValueArb, { maxLength: 2 }),
      badChecksum: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pax' as const), type: fc.constantFrom('x' as const, 'g' as const), body: paxBodyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('gnu' as const), type: fc.constantFrom('L' as const, 'K' as const), name: fc.oneof(pathArb, deepPathArb) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('file' as const),
      path: fc.oneof(fc.constantFrom('plugin.json', 'dist/index.js'), pathArb, deepPathArb),
      content: fc.string({ maxLength: 64 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('block' as const), bytes: fc.uint8Array({ minLength: BLOCK, maxLength: BLOCK }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'zero' as const }) },
);

function partBytes(part: TarPart): Uint8Array {
  switch (part.kind) {
    case 'header': {
      const bytes = entry({ name: part.name, type: part.type, size: part.size }, new Uint8Array(part.contentLength).fill(0x61));
      for (const { field, value } of part.overrides) setField(bytes, field, value);
      fixChecksum(bytes);
      if (part.badChecksum) bytes[FIELDS.checksum[0]] = bytes[FIELDS.checksum[0]]! ^ 1;
      return bytes;
    }
    case 'pax':
      return entry({ name: 'PaxHeader/x', type: part.type }, paxBody(part.body));
    case 'gnu':
      return entry({ name: '././@LongLink', type: part.type }, encoder.encode(`${pathText(part.name)}\0`));
    case 'file':
      return fileEntry(pathText(part.path), part.content);
    case 'block':
      return part.bytes;
    case 'zero':
      return new Uint8Array(BLOCK);
  }
}

/** A tar-ish stream: parts, maybe the end marker, maybe cut short. */
export interface TarishRecipe {
  parts: TarPart[];
  end: boolean;
  cut: number | undefined;
}

export const tarishArb: fc.Arbitrary<TarishRecipe> = fc.record({
  parts: fc.array(tarPartArb, { maxLength: 8 }),
  end: fc.boolean(),
  cut: rarely(fc.nat(), 4),
});

/** The uncompressed bytes of a tar-ish recipe. */
export function tarishBytes(recipe: TarishRecipe): Uint8Array {
  const bytes = concat([...recipe.parts.map(partBytes), ...(recipe.end ? [endMarker()] : [])]);
  return recipe.cut === undefined || bytes.byteLength === 0 ? bytes : bytes.subarray(0, recipe.cut % bytes.byteLength);
}

/** A valid package's files: plugin.json (from a recipe, or valid), the bundle, and extra files. */
export interface PackageRecipe {
  manifest: ManifestRecipe | undefined;
  extra: { path: string | DeepPath; content: string; type: string }[];
}

const safePathArb = fc.constantFrom('README.md', 'dist/util.js', 'assets/a.txt', 'dist/nested/deep/x.js', `long/${'segment-'.repeat(20)}x.js`, 'ünïcode.txt');

export const packageArb: fc.Arbitrary<PackageRecipe> = fc.record({
  manifest: fc.option(manifestArb(), { nil: undefined, freq: 2 }),
  extra: fc.array(
    fc.record({
      path: fc.oneof({ weight: 3, arbitrary: safePathArb }, { weight: 3, arbitrary: pathArb }, { weight: 1, arbitrary: deepPathArb }),
      content: fc.string({ maxLength: 32 }),
      type: fc.oneof({ weight: 6, arbitrary: fc.constant('0') }, { weight: 1, arbitrary: typeFlagArb }),
    }),
    { maxLength: 4 },
  ),
});

/** The uncompressed tar of a package recipe. */
export function packageTar(recipe: PackageRecipe): Uint8Array {
  const manifest = recipe.manifest === undefined ? validManifest('fuzzed', '1.0.0') : manifestOf(recipe.manifest);
  return concat([
    fileEntry('plugin.json', jsonText(manifest)),
    fileEntry('dist/index.js', BUNDLE),
    ...recipe.extra.map((file) => fileEntry(pathText(file.path), file.content, file.type)),
    endMarker(),
  ]);
}

/** One change to a valid package. */
export type Mutation =
  | { kind: 'byte'; at: number; value: number; fixChecksum: boolean }
  | { kind: 'field'; header: number; field: FieldName; value: string | Uint8Array }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; remove: number; insert: Uint8Array }
  | { kind: 'pax'; before: number; type: 'x' | 'g'; body: PaxBody }
  | { kind: 'pax-flood'; before: number; headers: number; keysPerHeader: number }
  | { kind: 'gzip-byte'; at: number; value: number }
  | { kind: 'gzip-truncate'; at: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat({ max: 255 }), fixChecksum: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('field' as const), header: fc.nat({ max: 8 }) }).chain((m) => fieldValueArb.map((f) => ({ ...m, ...f }))),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), remove: fc.nat({ max: 1024 }), insert: fc.uint8Array({ maxLength: 600 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('pax' as const),
      before: fc.nat({ max: 8 }),
      type: fc.constantFrom('x' as const, 'g' as const),
      body: paxBodyArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('pax-flood' as const),
      before: fc.nat({ max: 8 }),
      headers: fc.oneof(fc.integer({ min: 2, max: 20 }), fc.integer({ min: 500, max: 3000 })),
      keysPerHeader: fc.integer({ min: 1, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gzip-byte' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gzip-truncate' as const), at: fc.nat() }) },
);

function headerAt(tar: Uint8Array, index: number): number | undefined {
  const offsets = headerOffsets(tar);
  return offsets.length === 0 ? undefined : offsets[index % offsets.length];
}

function insertAt(tar: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  return concat([tar.subarray(0, at), bytes, tar.subarray(at)]);
}

function paxFlood(headers: number, keysPerHeader: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let h = 0; h < headers; h++) {
    const records: [string, string][] = [];
    for (let k = 0; k < keysPerHeader; k++) records.push([`k${h}.${k}`, 'v']);
    parts.push(entry({ name: 'PaxHeader/x', type: 'x' }, paxRecords(records)));
  }
  return concat(parts);
}

/** Applies the tar-level mutations in order to an uncompressed tar (gzip-level ones are applied after compression). */
function mutateTar(tar: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes: Uint8Array = tar.slice();
  for (const mutation of mutations) {
    switch (mutation.kind) {
      case 'byte': {
        if (bytes.byteLength === 0) break;
        const at = mutation.at % bytes.byteLength;
        bytes[at] = mutation.value;
        if (mutation.fixChecksum) fixChecksum(bytes, at - (at % BLOCK));
        break;
      }
      case 'field': {
        const offset = headerAt(bytes, mutation.header);
        if (offset === undefined) break;
        const block = bytes.subarray(offset, offset + BLOCK);
        setField(block, mutation.field, mutation.value);
        if (mutation.field !== 'checksum') fixChecksum(block);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, mutation.at % (bytes.byteLength + 1));
        break;
      case 'splice': {
        const at = mutation.at % (bytes.byteLength + 1);
        bytes = concat([bytes.subarray(0, at), mutation.insert, bytes.subarray(Math.min(bytes.byteLength, at + mutation.remove))]);
        break;
      }
      case 'pax':
        bytes = insertAt(bytes, headerAt(bytes, mutation.before) ?? 0, entry({ name: 'PaxHeader/x', type: mutation.type }, paxBody(mutation.body)));
        break;
      case 'pax-flood':
        bytes = insertAt(bytes, headerAt(bytes, mutation.before) ?? 0, paxFlood(mutation.headers, mutation.keysPerHeader));
        break;
      default:
        break;
    }
  }
  return bytes;
}

/** The .plg bytes of a valid package changed by `mutations` (tar-level ones first, then gzip-level ones). */
export function mutatedPackage(base: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let gz: Uint8Array = gzipBytes(mutateTar(gunzipBytes(base), mutations));
  for (const mutation of mutations) {
    if (mutation.kind === 'gzip-byte' && gz.byteLength > 0) {
      gz = gz.slice();
      gz[mutation.at % gz.byteLength] = mutation.value;
    } else if (mutation.kind === 'gzip-truncate') {
      gz = gz.subarray(0, mutation.at % (gz.byteLength + 1));
    }
  }
  return gz;
}
