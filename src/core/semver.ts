/**
 * The semver functions plughub uses, each taken from its own module of the
 * semver package (`semver/functions/valid.js` …) instead of from `semver`,
 * whose index loads every function, range helper and class it has: a browser
 * bundle carries only these and what they need. Import it as a namespace
 * (`import * as semver from '../semver.js'`) so that calls read
 * `semver.satisfies(…)` as before. The modules are CommonJS; Node, rollup,
 * esbuild and Vite all give their `module.exports` as the default export.
 * `SemVer` and `Range` (which the functions above load anyway) let
 * a caller parse a version or a range once and test it many times.
 */
export { default as Range } from 'semver/classes/range.js';
export { default as SemVer } from 'semver/classes/semver.js';
export { default as gt } from 'semver/functions/gt.js';
export { default as prerelease } from 'semver/functions/prerelease.js';
export { default as rcompare } from 'semver/functions/rcompare.js';
export { default as satisfies } from 'semver/functions/satisfies.js';
export { default as valid } from 'semver/functions/valid.js';
export { default as validRange } from 'semver/ranges/valid.js';
