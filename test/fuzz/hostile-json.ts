/**
 * Hostile JSON values for the fuzz properties, as small recipes that fast-check
 * can print and shrink (`{ kind: 'deep', depth: 5000 }`) and that
 * `materialize` turns into the value itself: any JSON value, nesting
 * thousands of levels deep, strings of hundreds of thousands of characters,
 * and objects whose own keys include `__proto__`, `constructor` and
 * `prototype` (as JSON.parse makes them).
 */
import * as fc from 'fast-check';

/** A recipe for one hostile value. */
export type Hostile =
  | { kind: 'json'; value: fc.JsonValue }
  | { kind: 'deep'; depth: number; shape: 'array' | 'object' }
  | { kind: 'huge'; unit: string; times: number }
  | { kind: 'keys'; entries: [string, Hostile][] }
  | { kind: 'list'; items: Hostile[] };

/** Keys that an object-walking parser may treat specially, and the manifest's own field names. */
export const SPECIAL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'toJSON',
  'then',
  'length',
  'name',
  'version',
  'source',
  'path',
  'dependencies',
  'engines',
  'host',
  'latest',
] as const;

/** An object key: a special one or any string. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SPECIAL_KEYS),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);

/** Deep nesting, mostly far past what a recursive parser or JSON.stringify survives. */
export const deepArb: fc.Arbitrary<Hostile> = fc.record({
  kind: fc.constant('deep' as const),
  depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1000, max: 20_000 })),
  shape: fc.constantFrom('array' as const, 'object' as const),
});

/** A string of up to ~600,000 characters. */
export const hugeArb: fc.Arbitrary<Hostile> = fc.record({
  kind: fc.constant('huge' as const),
  unit: fc.oneof(
    fc.constantFrom('a', ' ', '\u0000', 'é', '\u{1F600}', '/', '.', '1.', '||', '~', '<', '@', '%'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
  ),
  times: fc.integer({ min: 1000, max: 200_000 }),
});

/** Any JSON value fast-check makes, a few levels deep. */
export const jsonArb: fc.Arbitrary<Hostile> = fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value }));

/** Any hostile value, objects with special own keys holding further hostile values included. */
export const hostileArb: fc.Arbitrary<Hostile> = fc.letrec<{ hostile: Hostile }>((tie) => ({
  hostile: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { weight: 4, arbitrary: jsonArb },
    { weight: 1, arbitrary: deepArb },
    { weight: 1, arbitrary: hugeArb },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('keys' as const),
        entries: fc.array(fc.tuple(keyArb, tie('hostile')), { maxLength: 4 }),
      }),
    },
  ),
})).hostile;

/** A JSON value recipe (mostly strings, numbers and such). */
export function json(value: fc.JsonValue): Hostile {
  return { kind: 'json', value };
}

/** An object built from recipe entries, each an own enumerable property (`__proto__` included). */
export function objectOf(entries: readonly (readonly [string, Hostile])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value: materialize(value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The value a recipe stands for. */
export function materialize(recipe: Hostile): unknown {
  switch (recipe.kind) {
    case 'json':
      return recipe.value;
    case 'huge':
      return recipe.unit.repeat(recipe.times);
    case 'keys':
      return objectOf(recipe.entries);
    case 'list':
      return recipe.items.map(materialize);
    case 'deep': {
      let value: unknown = 1;
      for (let i = 0; i < recipe.depth; i++) value = recipe.shape === 'array' ? [value] : { a: value };
      return value;
    }
  }
}

/**
 * JSON text of a value, written without recursion so that deep nesting does
 * not overflow the stack here (JSON.stringify would). Keys and strings go
 * through JSON.stringify one at a time.
 */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  const CLOSE_ARRAY = Symbol('close array');
  const CLOSE_OBJECT = Symbol('close object');
  const COMMA = Symbol('comma');
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === CLOSE_ARRAY) out.push(']');
    else if (item === CLOSE_OBJECT) out.push('}');
    else if (item === COMMA) out.push(',');
    else if (typeof item === 'object' && item !== null && (item as { __key?: unknown }).__key === KEY) {
      out.push(`${JSON.stringify((item as unknown as KeyMarker).name)}:`);
    } else if (Array.isArray(item)) {
      out.push('[');
      stack.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i] === undefined ? null : item[i]);
        if (i > 0) stack.push(COMMA);
      }
    } else if (typeof item === 'object' && item !== null) {
      out.push('{');
      stack.push(CLOSE_OBJECT);
      const keys = Object.keys(item);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push((item as Record<string, unknown>)[keys[i]!]);
        stack.push({ __key: KEY, name: keys[i]! } satisfies KeyMarker);
        if (i > 0) stack.push(COMMA);
      }
    } else {
      out.push(JSON.stringify(item) ?? 'null');
    }
  }
  return out.join('');
}

const KEY = Symbol('key');
interface KeyMarker {
  __key: typeof KEY;
  name: string;
}
