/**
 * Registry document recipes for the fuzz properties: plugin documents whose
 * versions, dist-tags, manifests and dist records are mostly well-formed (so
 * that resolution and signature checks get to run) and sometimes changed into
 * hostile values, and plugin lists. `documentOf` and `listOf` build them.
 */
import * as fc from 'fast-check';
import { hostileArb, json, keyArb, materialize, objectOf, type Hostile } from './hostile-json.js';
import { hugeRangeArb, rangeArb, rarely, repeatedText, versionArb, type Repeated } from './text-arbitraries.js';

/** The plugin every document recipe is about (its `name`, unless a change says otherwise). */
export const DOCUMENT_NAME = 'fuzzed';

/** One version entry. */
export interface EntryRecipe {
  /** The key in `versions`; the manifest carries it too unless `manifestVersion` says otherwise. */
  version: string;
  manifestVersion: string | undefined;
  /** `engines.host` of the manifest: a range, or one of up to a few MiB. */
  host: string | Repeated | undefined;
  yanked: boolean;
  /** Changes to the entry (dist, manifest, authorSignatures, anything). */
  changes: [string, Hostile][];
}

/** One plugin document. */
export interface DocumentRecipe {
  entries: EntryRecipe[];
  tags: [string, string][];
  /** Changes to the top level (name, versions, distTags, modified, anything). */
  changes: [string, Hostile][];
}

const entryChangeArb: fc.Arbitrary<[string, Hostile]> = fc.tuple(
  fc.oneof(fc.constantFrom('dist', 'manifest', 'publishedAt', 'yanked', 'authorSignatures'), keyArb),
  hostileArb,
);

/** Version entries; `hugeHosts` adds `engines.host` ranges of up to a few MiB (slow to sign, so only where resolution is tested). */
function entryArb(hugeHosts: boolean): fc.Arbitrary<EntryRecipe> {
  return fc.record({
    version: versionArb,
    manifestVersion: rarely(versionArb, 12),
    host: hugeHosts ? fc.oneof({ weight: 8, arbitrary: rarely(rangeArb, 2) }, { weight: 1, arbitrary: hugeRangeArb }) : rarely(rangeArb, 2),
    yanked: fc.boolean(),
    changes: fc.oneof({ weight: 15, arbitrary: fc.constant<[string, Hostile][]>([]) }, { weight: 1, arbitrary: fc.array(entryChangeArb, { maxLength: 2 }) }),
  });
}

const topChangeArb: fc.Arbitrary<[string, Hostile]> = fc.tuple(fc.oneof(fc.constantFrom('name', 'versions', 'distTags', 'modified'), keyArb), hostileArb);

/** Plugin documents, with or without huge `engines.host` ranges. */
function documentArbOf(hugeHosts: boolean): fc.Arbitrary<DocumentRecipe> {
  const tagArb = fc.tuple(fc.oneof(fc.constantFrom('latest', 'beta', '__proto__', 'constructor', 'hasOwnProperty'), fc.string({ maxLength: 6 })), versionArb);
  return fc.record({
    entries: fc.array(entryArb(hugeHosts), { maxLength: 6 }),
    tags: fc.array(tagArb, { maxLength: 3 }),
    changes: fc.oneof({ weight: 8, arbitrary: fc.constant<[string, Hostile][]>([]) }, { weight: 1, arbitrary: fc.array(topChangeArb, { maxLength: 2 }) }),
  });
}

/** Plugin documents of `fuzzed`, mostly well-formed. */
export const documentArb: fc.Arbitrary<DocumentRecipe> = documentArbOf(false);

/** The same, with `engines.host` ranges of up to a few MiB, as an 8 MiB document can carry. */
export const documentWithHugeHostsArb: fc.Arbitrary<DocumentRecipe> = documentArbOf(true);

function entryOf(recipe: EntryRecipe): Record<string, unknown> {
  const manifest: [string, Hostile][] = [
    ['name', json(DOCUMENT_NAME)],
    ['version', json(recipe.manifestVersion ?? recipe.version)],
    ['source', json({ mode: 'esm', path: 'dist/index.js' })],
  ];
  if (recipe.host !== undefined) manifest.push(['engines', json({ host: repeatedText(recipe.host) })]);
  const fields = new Map<string, Hostile>([
    ['manifest', { kind: 'keys', entries: manifest }],
    ['dist', json({ integrity: 'sha256-AAAA', size: 10, url: '/v1/blobs/sha256/00' })],
    ['publishedAt', json('2024-01-01T00:00:00.000Z')],
    ['yanked', json(recipe.yanked)],
  ]);
  for (const [key, value] of recipe.changes) fields.set(key, value);
  return objectOf([...fields]);
}

/** The document a recipe stands for (keys such as `__proto__` are own properties, as JSON.parse makes them). */
export function documentOf(recipe: DocumentRecipe): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const entry of recipe.entries) {
    Object.defineProperty(versions, entry.version, { value: entryOf(entry), enumerable: true, writable: true, configurable: true });
  }
  const fields = new Map<string, Hostile | { kind: 'built'; value: unknown }>([
    ['name', json(DOCUMENT_NAME)],
    ['distTags', { kind: 'keys', entries: recipe.tags.map(([tag, version]) => [tag, json(version)]) }],
    ['modified', json('2024-01-01T00:00:00.000Z')],
    ['versions', { kind: 'built', value: versions }],
  ]);
  for (const [key, value] of recipe.changes) fields.set(key, value);
  const out: Record<string, unknown> = {};
  for (const [key, value] of fields) {
    Object.defineProperty(out, key, {
      value: value.kind === 'built' ? value.value : materialize(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** A plugin list: rows close to valid, with changes. */
export const listArb: fc.Arbitrary<{ total: Hostile; rows: [string, Hostile][][] }> = fc.record({
  total: fc.oneof(
    fc.nat().map((n) => json(n)),
    hostileArb,
  ),
  rows: fc.array(fc.array(fc.tuple(fc.oneof(fc.constantFrom('name', 'description', 'latest', 'modified'), keyArb), hostileArb), { maxLength: 4 }), {
    maxLength: 4,
  }),
});

/** The plugin list a list recipe stands for. */
export function listOf(recipe: { total: Hostile; rows: [string, Hostile][][] }): Record<string, unknown> {
  const plugins = recipe.rows.map((changes) => objectOf([['name', json(DOCUMENT_NAME)], ['modified', json('2024-01-01T00:00:00.000Z')], ...changes]));
  return { total: materialize(recipe.total), plugins };
}
