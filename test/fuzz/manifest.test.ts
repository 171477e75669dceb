/**
 * Fuzz properties of the manifest parser (src/core/plugin/manifest.ts): parseManifest
 * over near-valid and hostile plugin.json values (deep nesting, huge strings,
 * `__proto__` keys), validatePluginName and parsePluginSpec over arbitrary
 * strings. Each input is accepted or refused with the documented error, within
 * the time limit of a case; what is accepted keeps the rules of the issue
 * (names start and end with a letter or digit, no prototype keys, storable
 * as JSON).
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isManifestError, isUsageError } from '../../src/core/errors/index.js';
import { parseManifest, parsePluginSpec, validatePluginName } from '../../src/core/plugin/manifest.js';
import { hostileArb, materialize } from './hostile-json.js';
import { manifestArb, manifestOf } from './manifest-arbitraries.js';
import { FuzzFailure, acceptOrRefuse, fuzzParameters, fuzzTimeout, neverThrows } from './support.js';
import { nameArb, rangeArb } from './text-arbitraries.js';

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The first prototype key among the own keys of any object in `value`, walked without recursion. */
function prototypeKeyIn(value: unknown): string | undefined {
  const stack = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null) continue;
    for (const key of Object.keys(item)) {
      if (PROTOTYPE_KEYS.has(key)) return key;
      stack.push((item as Record<string, unknown>)[key]);
    }
  }
  return undefined;
}

/** True when both parts of a name (scope and name) start and end with a letter or digit. */
function hasCleanEnds(name: string): boolean {
  const parts = name.startsWith('@') ? name.slice(1).split('/') : [name];
  return parts.every((part) => /^[a-z0-9]/.test(part) && /[a-z0-9]$/.test(part));
}

/** Checks what parseManifest did with one input. */
async function checkManifest(input: unknown): Promise<void> {
  const outcome = await acceptOrRefuse(() => parseManifest(input));
  if (!outcome.accepted) {
    if (!isManifestError(outcome.error)) throw new FuzzFailure(`refused with ${outcome.error.name}, not a ManifestError`);
    return;
  }
  const manifest = outcome.value;
  if (validatePluginName(manifest.name) !== undefined) throw new FuzzFailure(`accepted the invalid name ${JSON.stringify(manifest.name)}`);
  const key = prototypeKeyIn(input);
  if (key !== undefined) throw new FuzzFailure(`accepted a manifest holding the key ${JSON.stringify(key)}`);
  try {
    JSON.stringify(input);
  } catch (error) {
    throw new FuzzFailure(`accepted a manifest that cannot be stored as JSON: ${(error as Error).message}`);
  }
}

describe('fuzz: manifest parser', () => {
  const RUNS = 600;

  it('parseManifest accepts or refuses near-valid manifests with a ManifestError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(manifestArb(), (recipe) => checkManifest(manifestOf(recipe))),
      fuzzParameters(RUNS),
    );
  });

  it('parseManifest accepts or refuses any hostile value with a ManifestError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(hostileArb, (recipe) => checkManifest(materialize(recipe))),
      fuzzParameters(RUNS),
    );
  });

  it('validatePluginName answers for any string, and accepts only names with clean ends', { timeout: fuzzTimeout(RUNS * 10) }, () => {
    fc.assert(
      fc.property(fc.oneof(nameArb, fc.string(), fc.string({ unit: 'binary' })), (name) => {
        const reason = neverThrows(() => validatePluginName(name));
        if (reason === undefined && !hasCleanEnds(name)) throw new FuzzFailure(`accepted the look-alike name ${JSON.stringify(name)}`);
        expect(reason === undefined || (typeof reason === 'string' && reason.length > 0)).toBe(true);
      }),
      fuzzParameters(RUNS * 10),
    );
  });

  it('parsePluginSpec splits any spec or refuses it with a UsageError', { timeout: fuzzTimeout(RUNS * 10) }, async () => {
    const specArb = fc.oneof(
      fc.tuple(nameArb, fc.constantFrom('@', ' @', '@ ', ''), rangeArb).map(([name, at, range]) => `${name}${at}${range}`),
      fc.string(),
      fc.string({ unit: 'binary' }),
    );
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const outcome = await acceptOrRefuse(() => parsePluginSpec(spec));
        if (!outcome.accepted) {
          if (!isUsageError(outcome.error)) throw new FuzzFailure(`refused with ${(outcome.error as Error).name}, not a UsageError`);
          return;
        }
        if (validatePluginName(outcome.value.name) !== undefined) throw new FuzzFailure(`accepted the invalid name ${JSON.stringify(outcome.value.name)}`);
        expect(outcome.value.range.length).toBeGreaterThan(0);
      }),
      fuzzParameters(RUNS * 10),
    );
  });
});
