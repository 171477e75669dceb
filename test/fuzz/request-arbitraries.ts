/**
 * Request recipes for the registry fuzz property: publishes (mostly with a
 * valid name, version, token and Content-Type, so that the body is unpacked:
 * arbitrary bytes, packages with a changed plugin.json or odd entries, and
 * mutated valid packages), yanks, and reads of any route with arbitrary path
 * segments (percent-encoded or raw, malformed escapes included) or the name
 * of a plugin published earlier in the same case. `toRequest` builds them.
 */
import * as fc from 'fast-check';
import { hostileArb, materialize, type Hostile } from './hostile-json.js';
import { manifestArb, validNameArb, validVersionArb, type ManifestRecipe } from './manifest-arbitraries.js';
import { mutatedPackage, mutationArb, packageTar, type Mutation, type PackageRecipe } from './plg-arbitraries.js';
import { gzipBytes } from './tar-builder.js';
import { nameArb, pathArb, segmentArb, versionArb } from './text-arbitraries.js';

export const ORIGIN = 'http://registry.test';

/** Names a storage keyed by a plain object would trip on. */
const PROTOTYPE_NAMES = ['constructor', 'prototype', 'tostring', 'valueof', 'hasownproperty', 'isprototypeof', 'propertyisenumerable', 'tolocalestring'];

/** A plugin name for a publish: valid, a prototype property name, or anything. */
export const publishNameArb = fc.oneof(
  { weight: 12, arbitrary: validNameArb },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
  { weight: 1, arbitrary: nameArb },
);

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** A token of an author signature header: base64 of a key's or a signature's size (or near it), or anything. */
const signatureTokenArb = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map(base64),
  fc.uint8Array({ minLength: 64, maxLength: 64 }).map(base64),
  fc.uint8Array({ maxLength: 70 }).map((bytes) => base64(bytes).replace(/=+$/, '')),
  fc.constantFrom('!!!!', 'AAAA', '====', 'A', '-_-_', 'AAAA====AAAA'),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
);

/** An author signature header: `<key> <signature>` pairs, comma-separated, sometimes malformed or too many. */
const authorSignatureHeaderArb: fc.Arbitrary<string> = fc
  .array(
    fc.array(signatureTokenArb, { minLength: 1, maxLength: 3 }).map((tokens) => tokens.join(' ')),
    { minLength: 1, maxLength: 18 },
  )
  .map((pairs) => pairs.join(', '));

/** A path segment: text sent percent-encoded or raw, or the name of the n-th plugin published before in the case. */
export type Segment = { text: string; raw: boolean } | { published: number };

const segmentTextArb = fc.oneof(
  nameArb,
  versionArb,
  segmentArb,
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AE', '%00', '%2F', '..', '.', '@scope%2Fname', '%40scope%2Fname', 'sha256', '0'.repeat(64)),
  fc.string({ maxLength: 300 }),
);

export const segmentRecipeArb: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ text: segmentTextArb, raw: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ published: fc.nat() }) },
);

/** What a publish sends. */
export type BodyRecipe =
  | { bytes: Uint8Array }
  | { manifest: ManifestRecipe; pinned: boolean; extra: PackageRecipe['extra'] }
  | { manifest: ManifestRecipe; pinned: boolean; mutations: Mutation[] };

const bodyArb: fc.Arbitrary<BodyRecipe> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ bytes: fc.uint8Array({ maxLength: 1024 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      manifest: manifestArb(),
      pinned: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      extra: fc.oneof(
        { weight: 2, arbitrary: fc.constant<PackageRecipe['extra']>([]) },
        {
          weight: 1,
          arbitrary: fc.array(fc.record({ path: pathArb, content: fc.string({ maxLength: 16 }), type: fc.constantFrom('0', '0', '0', '5', '2') }), {
            maxLength: 2,
          }),
        },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ manifest: manifestArb(), pinned: fc.constant(true), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 2 }) }) },
);

/** One request of a case. */
export type RequestRecipe =
  | {
      kind: 'publish';
      name: string;
      version: string;
      body: BodyRecipe;
      token: 'admin' | 'none' | 'garbage';
      contentType: string | undefined;
      authorSignature: Hostile | string | undefined;
    }
  | { kind: 'yank'; method: 'POST' | 'DELETE'; name: Segment; version: Segment; token: 'admin' | 'none' }
  | { kind: 'read'; method: string; path: (string | Segment)[]; query: [string, Segment][]; envelope: boolean };

const READ_PATHS: fc.Arbitrary<(string | Segment)[]> = fc.oneof<fc.Arbitrary<(string | Segment)[]>[]>(
  fc.tuple(fc.constant('/v1/plugins/'), segmentRecipeArb),
  fc.tuple(fc.constant('/v1/plugins/'), segmentRecipeArb, fc.constant('/'), segmentRecipeArb),
  fc.tuple(fc.constant('/v1/blobs/'), segmentRecipeArb, fc.constant('/'), segmentRecipeArb),
  fc.tuple(fc.constant('/v1/keys/'), segmentRecipeArb),
  fc.constantFrom(['/v1/plugins'], ['/v1/keys'], ['/healthz'], ['/'], ['/v1/plugins/']),
  fc.tuple(fc.constant('/'), segmentRecipeArb),
);

export const requestArb: fc.Arbitrary<RequestRecipe> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('publish' as const),
      name: publishNameArb,
      version: fc.oneof({ weight: 14, arbitrary: validVersionArb }, { weight: 1, arbitrary: versionArb }),
      body: bodyArb,
      token: fc.oneof({ weight: 15, arbitrary: fc.constant('admin' as const) }, { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) }),
      contentType: fc.oneof(
        { weight: 15, arbitrary: fc.constant('application/gzip') },
        { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/octet-stream; charset=x', ' APPLICATION/X-GZIP ') },
      ),
      authorSignature: fc.oneof(
        { weight: 15, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: hostileArb },
        { weight: 2, arbitrary: authorSignatureHeaderArb },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('yank' as const),
      method: fc.constantFrom('POST' as const, 'DELETE' as const),
      name: segmentRecipeArb,
      version: fc.oneof(
        segmentRecipeArb,
        validVersionArb.map((text): Segment => ({ text, raw: true })),
      ),
      token: fc.constantFrom('admin' as const, 'none' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constant('GET') },
        { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'DELETE', 'PATCH', 'PUT', 'POST') },
      ),
      path: READ_PATHS,
      query: fc.array(fc.tuple(fc.constantFrom('limit', 'offset', 'q', 'x', 'limit'), segmentRecipeArb), { maxLength: 3 }),
      envelope: fc.boolean(),
    }),
  },
);

/** UTF-8 percent-encoding of every byte outside the unreserved set (lone surrogates become U+FFFD). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function segmentText(segment: string | Segment, published: readonly string[]): string {
  if (typeof segment === 'string') return segment;
  if ('published' in segment) return published.length === 0 ? 'none' : percentEncode(published[segment.published % published.length]!);
  return segment.raw ? segment.text : percentEncode(segment.text);
}

/** A header value: the value's text (JSON unless a string), printable ASCII only, at most 4 KiB. */
function headerText(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  } catch {
    text = 'unserializable';
  }
  return text
    .slice(0, 4096)
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

/** The .plg bytes of a publish body, for `name@version`. */
export function bodyBytes(body: BodyRecipe, name: string, version: string): Uint8Array {
  if ('bytes' in body) return body.bytes;
  const manifest = body.pinned ? { ...body.manifest, name, version } : body.manifest;
  const tar = packageTar({ manifest, extra: 'extra' in body ? body.extra : [] });
  return 'mutations' in body ? mutatedPackage(gzipBytes(tar), body.mutations) : gzipBytes(tar);
}

/**
 * The Request of a recipe, given the names published so far and the admin
 * token; undefined when the URL the recipe makes is not one a client could send.
 */
export function toRequest(recipe: RequestRecipe, published: readonly string[], adminToken: string): Request | undefined {
  const tokenHeader = (token: 'admin' | 'none' | 'garbage'): Record<string, string> =>
    token === 'admin' ? { authorization: `Bearer ${adminToken}` } : token === 'garbage' ? { authorization: 'Bearer ph_garbage' } : {};
  try {
    if (recipe.kind === 'publish') {
      const headers: Record<string, string> = { ...tokenHeader(recipe.token) };
      if (recipe.contentType !== undefined) headers['content-type'] = recipe.contentType;
      if (recipe.authorSignature !== undefined)
        headers['plughub-author-signature'] = headerText(
          typeof recipe.authorSignature === 'string' ? recipe.authorSignature : materialize(recipe.authorSignature),
        );
      const body = bodyBytes(recipe.body, recipe.name, recipe.version);
      return new Request(`${ORIGIN}/v1/plugins/${percentEncode(recipe.name)}/${percentEncode(recipe.version)}`, {
        method: 'PUT',
        headers,
        body: new Uint8Array(body),
      });
    }
    if (recipe.kind === 'yank') {
      const url = `${ORIGIN}/v1/plugins/${segmentText(recipe.name, published)}/${segmentText(recipe.version, published)}/yank`;
      return new Request(url, { method: recipe.method, headers: tokenHeader(recipe.token) });
    }
    const path = recipe.path.map((part) => segmentText(part, published)).join('');
    const query = recipe.query.map(([key, value]) => `${key}=${segmentText(value, published)}`).join('&');
    const headers: Record<string, string> = recipe.envelope ? { accept: 'application/vnd.plughub.envelope+json' } : {};
    return new Request(`${ORIGIN}${path}${query === '' ? '' : `?${query}`}`, { method: recipe.method, headers });
  } catch {
    return undefined;
  }
}
