/**
 * Fuzz properties of the registry document parsers (src/core/registry/document.ts):
 * parsePluginDocument over near-valid and hostile documents, parsePluginList
 * over near-valid and hostile lists, and decodeCachedDocument over any stored
 * record. Each input is accepted or refused with a DocumentError within the
 * time limit of a case (decodeCachedDocument never throws: a bad record
 * counts as absent); what is accepted is about the plugin asked for.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { parsePluginDocument, parsePluginList } from '../../src/core/registry/document.js';
import { decodeCachedDocument } from '../../src/core/registry/cached-document.js';
import { isDocumentError } from '../../src/core/errors/index.js';
import { DOCUMENT_NAME, documentArb, documentOf, listArb, listOf } from './document-arbitraries.js';
import { hostileArb, materialize } from './hostile-json.js';
import { FuzzFailure, acceptOrRefuse, fuzzParameters, fuzzTimeout, neverThrows } from './support.js';
import { nameArb } from './text-arbitraries.js';

/** Checks what parsePluginDocument did with one input. */
async function checkDocument(input: unknown, name: string): Promise<void> {
  const outcome = await acceptOrRefuse(() => parsePluginDocument(input, name, { url: `https://registry.test/v1/plugins/${name}` }));
  if (!outcome.accepted) {
    if (!isDocumentError(outcome.error)) throw new FuzzFailure(`refused with ${(outcome.error as Error).name}, not a DocumentError`);
    return;
  }
  const document = outcome.value;
  if (document.name !== name) throw new FuzzFailure(`accepted the document of ${JSON.stringify(document.name)} for ${JSON.stringify(name)}`);
  for (const [version, entry] of Object.entries(document.versions)) {
    if (entry.manifest.name !== name || entry.manifest.version !== version) {
      throw new FuzzFailure(`accepted version ${JSON.stringify(version)} carrying the manifest of ${entry.manifest.name}@${entry.manifest.version}`);
    }
  }
}

describe('fuzz: registry documents', () => {
  const RUNS = 600;

  it('parsePluginDocument accepts or refuses near-valid documents with a DocumentError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(documentArb, (recipe) => checkDocument(documentOf(recipe), DOCUMENT_NAME)),
      fuzzParameters(RUNS),
    );
  });

  it('parsePluginDocument accepts or refuses any hostile value with a DocumentError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(hostileArb, nameArb, (recipe, name) => checkDocument(materialize(recipe), name)),
      fuzzParameters(RUNS),
    );
  });

  it('parsePluginList accepts or refuses near-valid and hostile lists with a DocumentError', { timeout: fuzzTimeout(RUNS) }, async () => {
    const inputArb = fc.oneof(listArb.map(listOf), hostileArb.map(materialize));
    await fc.assert(
      fc.asyncProperty(inputArb, async (input) => {
        const outcome = await acceptOrRefuse(() => parsePluginList(input));
        if (!outcome.accepted && !isDocumentError(outcome.error)) throw new FuzzFailure(`refused with ${(outcome.error as Error).name}, not a DocumentError`);
      }),
      fuzzParameters(RUNS),
    );
  });

  it('decodeCachedDocument never throws on a stored record, and keeps only records of the plugin and registry asked for', {
    timeout: fuzzTimeout(RUNS),
  }, () => {
    const REGISTRY_URL = 'https://registry.test';
    const recordArb = fc.oneof(
      { weight: 1, arbitrary: hostileArb.map(materialize) },
      {
        weight: 3,
        arbitrary: fc
          .record({
            registry: fc.oneof(fc.constant(REGISTRY_URL), fc.string({ maxLength: 8 })),
            name: fc.oneof(fc.constant(DOCUMENT_NAME), nameArb),
            fetchedAt: fc.oneof(fc.nat(), fc.constant(Number.NaN), fc.string({ maxLength: 4 })),
            document: fc.oneof({ weight: 3, arbitrary: documentArb.map(documentOf) }, { weight: 1, arbitrary: hostileArb.map(materialize) }),
            etag: fc.option(fc.oneof(fc.string({ maxLength: 8 }), hostileArb.map(materialize)), { nil: undefined }),
            envelope: fc.option(hostileArb.map(materialize), { nil: undefined }),
          })
          .map((record) => record as unknown),
      },
    );
    fc.assert(
      fc.property(recordArb, (record) => {
        const cached = neverThrows(() => decodeCachedDocument(record, REGISTRY_URL, DOCUMENT_NAME));
        if (cached === undefined) return;
        if (cached.registry !== REGISTRY_URL || cached.name !== DOCUMENT_NAME || cached.document.name !== DOCUMENT_NAME) {
          throw new FuzzFailure(`kept a record of ${cached.registry} ${cached.name} (document ${cached.document.name})`);
        }
      }),
      fuzzParameters(RUNS),
    );
  });
});
