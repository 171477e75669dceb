/**
 * plugin.json recipes for the fuzz properties: every field is usually close to
 * valid (so many cases are accepted and reach past the first check) and
 * sometimes missing or replaced by a hostile value (deep nesting, huge
 * strings, objects with `__proto__` keys); extra top-level keys include the
 * prototype keys. `manifestOf` turns a recipe into the object.
 */
import * as fc from 'fast-check';
import { hostileArb, json, keyArb, objectOf, type Hostile } from './hostile-json.js';
import { nameArb, pathArb, rangeArb, rarely, versionArb } from './text-arbitraries.js';

/** A field left out of the manifest. */
export const OMIT = { kind: 'omit' } as const;
export type Field = Hostile | typeof OMIT;

/** A recipe for one plugin.json: a valid manifest, then changes that replace, remove or add fields. */
export interface ManifestRecipe {
  name: string;
  version: string;
  changes: [string, Field][];
}

/** Usually `likely`, sometimes omitted, sometimes any hostile value. */
function field(likely: fc.Arbitrary<Hostile>): fc.Arbitrary<Field> {
  return fc.oneof({ weight: 6, arbitrary: likely }, { weight: 1, arbitrary: fc.constant(OMIT) }, { weight: 2, arbitrary: hostileArb });
}

/** Valid plugin names, plain and scoped. */
export const validNameArb: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{1,6}([.~_-][a-z0-9]{1,6}){0,2}$/),
  fc.stringMatching(/^@[a-z0-9]{1,6}(-[a-z0-9]{1,6})?\/[a-z0-9]{1,6}([._-][a-z0-9]{1,6})?$/),
);

/** Valid plain versions, sometimes with a prerelease. */
export const validVersionArb: fc.Arbitrary<string> = fc
  .tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 }), fc.nat({ max: 20 }), rarely(fc.constantFrom('alpha.1', 'beta', 'rc.2'), 5))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre === undefined ? '' : `-${pre}`}`);

const text = (arb: fc.Arbitrary<string>): fc.Arbitrary<Hostile> => arb.map((value) => json(value));
const keys = (entries: fc.Arbitrary<[string, Hostile][]>): fc.Arbitrary<Hostile> => entries.map((list) => ({ kind: 'keys' as const, entries: list }));

const sourceArb = keys(
  fc
    .tuple(
      fc.oneof({ weight: 8, arbitrary: fc.constant(json('esm')) }, { weight: 1, arbitrary: hostileArb }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(json('dist/index.js')) }, { weight: 4, arbitrary: text(pathArb) }, { weight: 1, arbitrary: hostileArb }),
    )
    .map(([mode, path]) => [
      ['mode', mode],
      ['path', path],
    ]),
);

const dependenciesArb = keys(fc.array(fc.tuple(nameArb, text(rangeArb)), { maxLength: 4 }));

const routeArb = keys(
  fc
    .tuple(
      fc.oneof(text(fc.constantFrom('/', '/a', '/items/:id', 'no-slash', '/with space')), text(fc.string({ maxLength: 12 }))),
      text(fc.constantFrom('GET', 'get', 'POST', 'TRACE', '')),
      text(fc.string({ maxLength: 12 })),
    )
    .map(([route, method, label]) => [
      ['route', route],
      ['method', method],
      ['label', label],
    ]),
);

const httpServicesArb = keys(
  fc
    .tuple(
      fc.option(text(fc.string({ maxLength: 8 })), { nil: undefined }),
      fc.array(routeArb, { maxLength: 3 }).map((items): Hostile => ({ kind: 'list', items })),
    )
    .map(([driver, routes]) => [...(driver === undefined ? [] : [['driver', driver] as [string, Hostile]]), ['routes', routes]]),
);

const emailArb = text(fc.oneof(fc.emailAddress(), fc.string({ maxLength: 12 })));

/**
 * A plugin.json recipe: valid, with up to three fields changed. `name` and
 * `version` may be pinned (a package published under a given name).
 */
export function manifestArb(pinned: { name?: fc.Arbitrary<string>; version?: fc.Arbitrary<string> } = {}): fc.Arbitrary<ManifestRecipe> {
  const known: [string, fc.Arbitrary<Hostile>][] = [
    ['name', text(nameArb)],
    ['version', text(versionArb)],
    ['description', text(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 250, maxLength: 400 })))],
    ['maintainers', fc.array(emailArb, { maxLength: 3 }).map((items): Hostile => ({ kind: 'list', items }))],
    ['home', text(fc.oneof(fc.webUrl(), fc.string({ maxLength: 12 })))],
    ['license', text(fc.constantFrom('MIT', '', 'Apache-2.0'))],
    ['source', sourceArb],
    ['engines', keys(fc.tuple(text(rangeArb)).map(([host]) => [['host', host]]))],
    ['dependencies', dependenciesArb],
    ['http_services', httpServicesArb],
  ];
  const changeArb: fc.Arbitrary<[string, Field]> = fc.oneof(
    ...known.map(([key, likely]) => field(likely).map((value): [string, Field] => [key, value])),
    fc.tuple(keyArb, hostileArb),
  );
  return fc.record({
    name: pinned.name ?? validNameArb,
    version: pinned.version ?? validVersionArb,
    changes: fc.array(changeArb, { maxLength: 3 }),
  });
}

/** The plugin.json object a recipe stands for (a changed key keeps its place, as in JSON.parse). */
export function manifestOf(recipe: ManifestRecipe): Record<string, unknown> {
  const fields = new Map<string, Field>([
    ['name', json(recipe.name)],
    ['version', json(recipe.version)],
    ['description', json(`The ${recipe.name} plugin`)],
    [
      'source',
      {
        kind: 'keys',
        entries: [
          ['mode', json('esm')],
          ['path', json('dist/index.js')],
        ],
      },
    ],
  ]);
  for (const [key, value] of recipe.changes) fields.set(key, value);
  return objectOf([...fields].filter((entry): entry is [string, Hostile] => entry[1].kind !== 'omit'));
}

/** The `manifest` of a valid package with this name and version. */
export function validManifest(name: string, version: string): Record<string, unknown> {
  return { name, version, description: `The ${name} plugin`, source: { mode: 'esm', path: 'dist/index.js' } };
}
