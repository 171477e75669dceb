/**
 * resolveVersion (src/core/plugin/versions.ts) against its reference
 * (reference-resolve.ts): for arbitrary documents, requests and options,
 * both answer the same version and skipped versions, or refuse with the same
 * error class and message; asked again of the same document (whose sorted
 * versions are then kept), and of the document once a version is added to
 * it in place, it still answers as the reference does.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { parsePluginDocument } from '../../src/core/registry/document.js';
import type { PluginDocument, VersionEntry } from '../../src/core/registry/index.js';
import { resolveVersion, type ResolveOptions } from '../../src/core/plugin/versions.js';
import { DOCUMENT_NAME, documentOf, documentWithHugeHostsArb } from './document-arbitraries.js';
import { referenceResolveVersion } from './reference-resolve.js';
import { FuzzFailure, acceptOrRefuse, fuzzParameters, fuzzTimeout } from './support.js';
import { rangeArb, versionArb } from './text-arbitraries.js';

const requestArb = fc.oneof(
  { weight: 3, arbitrary: rangeArb.map((range) => ({ range })) },
  { weight: 3, arbitrary: fc.record({ pick: fc.nat(), derive: fc.constantFrom('', '=', '^', '~', '>=', '<=', '>', '<', 'x', '||', 'tag') }) },
  { weight: 1, arbitrary: fc.constantFrom({ range: 'latest' }, { range: '*' }, { range: '>=0.0.0-0' }) },
);

const optionsArb = fc.record(
  {
    includePrerelease: fc.boolean(),
    hostVersion: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1.0.0', '2.3.4', '0.1.0', '3.0.0-rc.1') }, { weight: 1, arbitrary: versionArb }),
  },
  { requiredKeys: [] },
);

/** The range a request means for `document`. */
function rangeOf(document: PluginDocument, request: { range: string } | { pick: number; derive: string }): string {
  if ('range' in request) return request.range;
  const names = request.derive === 'tag' ? Object.keys(document.distTags) : Object.keys(document.versions);
  if (names.length === 0) return '*';
  const picked = names[request.pick % names.length]!;
  if (request.derive === 'x') return `${picked.split('.')[0]}.x`;
  if (request.derive === '||') return `${picked} || >99.0.0`;
  return request.derive === 'tag' ? picked : `${request.derive}${picked}`;
}

/** What a resolution answered, comparable as JSON: the version and skipped versions, or the error's class and message. */
async function outcomeOf(resolve: () => unknown): Promise<string> {
  const outcome = await acceptOrRefuse(resolve);
  if (!outcome.accepted) return JSON.stringify({ error: outcome.error.name, message: outcome.error.message });
  const { version, skipped } = outcome.value as { version: string; skipped?: unknown };
  return JSON.stringify({ version, skipped });
}

async function compare(document: PluginDocument, range: string, options: ResolveOptions, when: string): Promise<void> {
  const actual = await outcomeOf(() => resolveVersion(document, range, options));
  const expected = await outcomeOf(() => referenceResolveVersion(document, range, options));
  if (actual !== expected) {
    throw new FuzzFailure(`${when}: resolveVersion(${JSON.stringify(range)}, ${JSON.stringify(options)}) answered ${actual}, the reference ${expected}`);
  }
}

describe('fuzz: version resolution against its reference', () => {
  const RUNS = 600;

  it('answers as the reference, on first use, again, and once a version is added in place', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(documentWithHugeHostsArb, requestArb, optionsArb, versionArb, async (recipe, request, options, added) => {
        const parsed = await acceptOrRefuse(() => parsePluginDocument(documentOf(recipe), DOCUMENT_NAME));
        if (!parsed.accepted) return;
        const document = parsed.value;
        const range = rangeOf(document, request);
        await compare(document, range, options, 'first use');
        await compare(document, range, { ...options, includePrerelease: !options.includePrerelease }, 'the other includePrerelease');
        await compare(document, range, options, 'again');
        if (Object.hasOwn(document.versions, added)) return;
        const model = Object.values(document.versions)[0];
        const entry = { ...(model ?? {}), manifest: { name: DOCUMENT_NAME, version: added }, yanked: false } as VersionEntry;
        document.versions[added] = entry;
        await compare(document, range, options, `after adding ${added}`);
      }),
      fuzzParameters(RUNS),
    );
  });
});
