/**
 * Fuzz properties of version resolution (src/core/plugin/versions.ts): resolveVersion
 * over parsed documents with odd versions, yanked entries, dist-tags
 * (`__proto__` and `hasOwnProperty` among them) and `engines.host` ranges,
 * for arbitrary ranges, tags and host versions; checkCompatibility and
 * isExactVersion over arbitrary ranges and versions. Each call answers or
 * refuses with a PlughubError within the time limit of a case; an answer is
 * a version the document publishes: the one asked for exactly, or for a
 * range one that satisfies it, is not yanked and runs on the host.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import semver from 'semver';
import { describe, it } from 'vitest';
import { parsePluginDocument } from '../../src/core/registry/document.js';
import { checkCompatibility, isExactVersion, resolveVersion } from '../../src/core/plugin/versions.js';
import { DOCUMENT_NAME, documentOf, documentWithHugeHostsArb } from './document-arbitraries.js';
import { FuzzFailure, acceptOrRefuse, fuzzParameters, fuzzTimeout, neverThrows } from './support.js';
import { rangeArb, versionArb } from './text-arbitraries.js';

/** What to ask for: a range or tag, or (by index) a version or tag the document has. */
const requestArb = fc.oneof(
  { weight: 3, arbitrary: rangeArb.map((range) => ({ range })) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(), tag: fc.boolean(), prefix: fc.constantFrom('', '', '=', 'v', ' ', '^', '<=') }) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(), derive: fc.constantFrom('^', '~', '>=', '<=', '>', '<', 'x', '||', '-') }) },
);

/** A range built around a published version: `^1.2.3`, `1.x`, `1.2.3 || >9`, `1.2.3 - 2.0.0`. */
function derivedRange(version: string, derive: string): string {
  if (derive === 'x') return `${version.split('.')[0]}.x`;
  if (derive === '||') return `${version} || >99.0.0`;
  if (derive === '-') return `${version} - 99.0.0`;
  return `${derive}${version}`;
}

const optionsArb = fc.record(
  {
    includePrerelease: fc.boolean(),
    hostVersion: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1.0.0', '2.3.4', '0.1.0', '3.0.0-rc.1') }, { weight: 1, arbitrary: versionArb }),
  },
  { requiredKeys: [] },
);

describe('fuzz: version resolution', () => {
  const RUNS = 800;

  it('resolveVersion picks a published version or refuses with a PlughubError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(documentWithHugeHostsArb, requestArb, optionsArb, async (recipe, request, options) => {
        const parsed = await acceptOrRefuse(() => parsePluginDocument(documentOf(recipe), DOCUMENT_NAME));
        if (!parsed.accepted) return;
        const document = parsed.value;
        let range: string;
        if ('range' in request) range = request.range;
        else if ('derive' in request) {
          const versions = Object.keys(document.versions);
          range = versions.length === 0 ? '*' : derivedRange(versions[request.pick % versions.length]!, request.derive);
        } else {
          const names = request.tag ? Object.keys(document.distTags) : Object.keys(document.versions);
          range = names.length === 0 ? 'latest' : `${request.prefix}${names[request.pick % names.length]}`;
        }
        const outcome = await acceptOrRefuse(() => resolveVersion(document, range, options));
        if (!outcome.accepted) return;
        const { version, entry } = outcome.value;
        if (!Object.hasOwn(document.versions, version) || document.versions[version] !== entry) {
          throw new FuzzFailure(`resolved ${JSON.stringify(range)} to ${JSON.stringify(version)}, which the document does not publish as answered`);
        }
        const asked = range.trim();
        const exact = semver.valid(asked.replace(/^=\s*/, ''));
        if (exact !== null) {
          if (version !== exact) throw new FuzzFailure(`resolved the exact version ${JSON.stringify(range)} to ${version}`);
          return;
        }
        if (asked === 'latest' || Object.hasOwn(document.distTags, asked)) return;
        if (entry.yanked) throw new FuzzFailure(`resolved the range ${JSON.stringify(range)} to the yanked ${version}`);
        if (!semver.satisfies(version, asked, { includePrerelease: options.includePrerelease === true })) {
          throw new FuzzFailure(`resolved ${JSON.stringify(range)} to ${version}, which does not satisfy it`);
        }
        const host = (entry.manifest as { engines?: { host?: unknown } }).engines?.host;
        if (options.hostVersion !== undefined && typeof host === 'string' && !semver.satisfies(options.hostVersion, host, { includePrerelease: true })) {
          throw new FuzzFailure(`resolved ${JSON.stringify(range)} to ${version}, which needs host ${host}, not ${options.hostVersion}`);
        }
      }),
      fuzzParameters(RUNS),
    );
  });

  it('checkCompatibility and isExactVersion answer for any range and host version', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(rangeArb, { nil: undefined }), versionArb, async (host, hostVersion) => {
        neverThrows(() => isExactVersion(host ?? hostVersion));
        const manifest = { name: DOCUMENT_NAME, version: '1.0.0', ...(host === undefined ? {} : { engines: { host } }) };
        await acceptOrRefuse(() => checkCompatibility(manifest, hostVersion));
      }),
      fuzzParameters(RUNS),
    );
  });
});
