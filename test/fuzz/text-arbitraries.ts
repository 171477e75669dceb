/**
 * Strings for the fuzz properties that are close to what the parsers expect,
 * so that cases reach past the first check: plugin names (valid, look-alike,
 * scoped, prototype keys), semver versions and ranges (valid, odd and
 * oversized), and archive paths (`..`, absolute, case and Unicode twins,
 * thousands of segments).
 */
import * as fc from 'fast-check';

/** `arb` once in `oneIn` cases, else undefined. */
export function rarely<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** Names the registry must accept or refuse carefully. */
const NAME_EDGES = [
  'hello',
  'hello.',
  'hello-',
  'hello~',
  'hello_',
  '~',
  '-',
  '.',
  '_',
  '..',
  'a..b',
  '.hello',
  '_hello',
  'Hello',
  'hello world',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '@',
  '@/',
  '@scope',
  '@scope/',
  '@/name',
  '@scope/name',
  '@scope/name/x',
  '@scope./name',
  '@-scope/name',
  '@scope/-name',
  '@scope/name.',
  '@sc@pe/name',
  'a/b',
  'a'.repeat(214),
  'a'.repeat(215),
  `@${'s'.repeat(100)}/${'n'.repeat(112)}`,
  'hello\u0000',
  'hellо',
  'ℌello',
  'ﬁle',
  'İ',
  'a\u0301',
];

/** Plugin-name-like strings. */
export const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.~_-]{0,10}[a-z0-9]$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^@[a-z0-9][a-z0-9.~_-]{0,6}\/[a-z0-9][a-z0-9.~_-]{0,6}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^@?[a-z0-9.~_-]{0,8}(\/[a-z0-9.~_-]{0,8}){0,2}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...NAME_EDGES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

const numberPart = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 12 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('00', '01', '9007199254740991', '9007199254740992', '99999999999999999999', '-1', 'x', 'X', '*', '') },
);
const identifier = fc.oneof(fc.constantFrom('alpha', 'beta', 'rc', '0', '01', '1', 'x'), fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/));
const prerelease = fc.array(identifier, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));

/** Version-like strings: mostly plain `1.2.3`, sometimes with prerelease or build, prefixes, odd numbers. */
export const versionArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(numberPart, numberPart, numberPart, rarely(prerelease, 4), rarely(prerelease, 8))
      .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre === undefined ? '' : `-${pre}`}${build === undefined ? '' : `+${build}`}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('v', '=', ' ', 'V', '==', 'v='), fc.nat({ max: 9 }), fc.nat({ max: 9 }), fc.nat({ max: 9 }))
      .map(([prefix, a, b, c]) => `${prefix}${a}.${b}.${c}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(`1.0.0-${'a'.repeat(300)}`, `${'1.'.repeat(200)}1`, `${'9'.repeat(300)}.0.0`, '') },
);

const partialVersion = fc.oneof(
  versionArb,
  fc.tuple(numberPart, rarely(numberPart, 2)).map(([a, b]) => (b === undefined ? a : `${a}.${b}`)),
);
const comparator = fc
  .tuple(fc.constantFrom('', '^', '~', '>=', '<=', '>', '<', '=', '~>', '^ ', '>= ', '!'), partialVersion)
  .map(([op, version]) => `${op}${version}`);

/** Range-like strings: comparator sets, `||`, hyphen ranges, tags, and oversized ones. */
export const rangeArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(comparator, { minLength: 1, maxLength: 3 }).map((set) => set.join(' ')) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.array(comparator, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 })
      .map((sets) => sets.map((set) => set.join(' ')).join(' || ')),
  },
  { weight: 1, arbitrary: fc.tuple(partialVersion, partialVersion).map(([a, b]) => `${a} - ${b}`) },
  { weight: 2, arbitrary: fc.constantFrom('latest', 'beta', 'next', '*', 'x', '', ' ', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf') },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('>=1.0.0 ', '1 ', '|| ', ' ', '~', '1.2.3 - ', 'x.', '<'), fc.integer({ min: 10, max: 20_000 }))
      .map(([unit, times]) => unit.repeat(times)),
  },
);

/** A string of `times` repetitions of `unit`, kept as a recipe so that failures print short. */
export interface Repeated {
  repeat: string;
  times: number;
}

/** Ranges of up to a few MiB (what a registry document of the default 8 MiB limit can carry). */
export const hugeRangeArb: fc.Arbitrary<Repeated> = fc.record({
  repeat: fc.constantFrom('1 ', '>=1.0.0 ', '^1.2.3 ', '1.2.3 - 2.0.0 ', '<2 >0 ', '|| '),
  times: fc.oneof(fc.integer({ min: 1000, max: 20_000 }), fc.integer({ min: 100_000, max: 2_000_000 })),
});

/** The text of a string or of a repetition recipe. */
export function repeatedText(text: string | Repeated): string {
  return typeof text === 'string' ? text : text.repeat.repeat(text.times);
}

const SEGMENT_EDGES = [
  '..',
  '.',
  '',
  'a',
  'A',
  'plugin.json',
  'PLUGIN.JSON',
  'dist',
  'index.js',
  'e\u0301',
  '\u00e9',
  '\u0000',
  '\\',
  'C:',
  'İ',
  'ß',
  'ẞ',
  ' ',
];

/** One path segment. */
export const segmentArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SEGMENT_EDGES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 5 }) },
);

/** Archive-path-like strings: segment lists with odd prefixes and suffixes, arbitrary text, and very long or very deep paths. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '', './', '/', 'C:/', '././', './C:/', './c:'),
        fc.array(segmentArb, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('', '', '/'),
      )
      .map(([prefix, segments, suffix]) => `${prefix}${segments.join('/')}${suffix}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** A path of `times` repetitions of `unit` then `end` (`a/a/…/a/end`), kept as a recipe so that failures print short. */
export interface DeepPath {
  unit: string;
  times: number;
}

/** Paths of thousands of segments or characters, within the 64 KiB a pax record may hold. */
export const deepPathArb: fc.Arbitrary<DeepPath> = fc.record({
  unit: fc.constantFrom('a/', 'A/', 'x/y/', './', 'abcdefgh'),
  times: fc.oneof(fc.integer({ min: 30, max: 200 }), fc.integer({ min: 1000, max: 30_000 })),
});

/** The text of a path recipe. */
export function pathText(path: string | DeepPath): string {
  return typeof path === 'string' ? path : `${path.unit.repeat(path.times)}end`;
}
