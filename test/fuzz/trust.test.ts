/**
 * Fuzz properties of the signed-metadata parsers (src/core/trust): openEnvelope
 * over document envelopes (then parsePluginDocument over the signed document,
 * as a host does), author signatures over parsed version entries, the
 * canonical JSON author signatures cover (checked against an independent
 * writer), normalizeKeys over the key lists a keys payload may hold, stored key chains
 * (decodeStoredKeyChain, replayKeyChain) and the rotation walk
 * (followKeyChain) over scripted registry answers. Every input is accepted or
 * refused with a PlughubError within the time limit of a case; a stored chain
 * whose first link the trusted key did not sign never adds a key.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { parsePluginDocument } from '../../src/core/registry/document.js';
import { canonicalJson } from '../../src/core/trust/canonical-json.js';
import { authorSignatureInput, legacyAuthorSignatureInput, signBytes, type DocumentPayload } from '../../src/core/trust/envelope.js';
import { decodeStoredKeyChain, followKeyChain, replayKeyChain, type TrustedKeySet } from '../../src/core/trust/key-chain.js';
import { checkAuthorSignatures, normalizeKeys, openEnvelope } from '../../src/core/trust/verify.js';
import { DOCUMENT_NAME, documentArb, documentOf } from './document-arbitraries.js';
import {
  NOW,
  REGISTRY,
  documentEnvelope,
  documentEnvelopeArb,
  keysEnvelope,
  keysEnvelopeArb,
  makeKeys,
  validKeysEnvelope,
  type TestKeys,
} from './envelope-arbitraries.js';
import { hostileArb, materialize } from './hostile-json.js';
import { FuzzFailure, acceptOrRefuse, fuzzParameters, fuzzTimeout, neverThrows } from './support.js';

let keys: TestKeys;

beforeAll(async () => {
  keys = await makeKeys();
});

/** The set a host configured with the trusted key starts from. */
function configured(): TrustedKeySet {
  return { keys: [{ keyid: keys.trusted.keyid, publicKey: keys.trusted.publicKey }], threshold: 1, keysVersion: 0, anchor: 'fuzz', chain: [] };
}

/** JSON text with object keys sorted, written independently of canonical-json.ts (for values already known to be shallow). */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** How a version entry is author-signed in a fuzz case. */
const authorPlanArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('v2' as const, 'v1' as const, 'v2-other' as const, 'none' as const) },
  { weight: 1, arbitrary: fc.integer({ min: 17, max: 200 }).map((count) => ({ copies: count })) },
  { weight: 1, arbitrary: hostileArb.map((garbage) => ({ garbage })) },
);

describe('fuzz: signed metadata', () => {
  const RUNS = 300;

  it('openEnvelope and parsePluginDocument accept or refuse any document envelope with a PlughubError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(documentEnvelopeArb, async (recipe) => {
        const envelope = await documentEnvelope(recipe, keys);
        await acceptOrRefuse(async () => {
          const payload = await openEnvelope<DocumentPayload>(envelope, {
            payloadType: 'application/vnd.plughub.document+json',
            type: 'document',
            registry: REGISTRY,
            name: DOCUMENT_NAME,
            keys: configured().keys,
            threshold: 1,
            now: NOW,
            details: { url: 'https://registry.test/v1/plugins/fuzzed' },
          });
          return parsePluginDocument(payload.document, DOCUMENT_NAME);
        });
      }),
      fuzzParameters(RUNS),
    );
  });

  it('checkAuthorSignatures accepts or refuses every entry of a parsed document with a PlughubError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(documentArb, fc.array(authorPlanArb, { minLength: 1, maxLength: 6 }), async (recipe, plans) => {
        const parsed = await acceptOrRefuse(() => parsePluginDocument(documentOf(recipe), DOCUMENT_NAME));
        if (!parsed.accepted) return;
        const entries = Object.entries(parsed.value.versions);
        for (const [index, [version, entry]] of entries.entries()) {
          const plan = plans[index % plans.length]!;
          let signatures: unknown;
          if (typeof plan === 'object' && 'garbage' in plan) signatures = materialize(plan.garbage);
          else if (plan === 'none') signatures = [];
          else {
            let input: Uint8Array;
            try {
              input =
                plan === 'v1'
                  ? legacyAuthorSignatureInput(DOCUMENT_NAME, version, entry.dist.integrity)
                  : authorSignatureInput(DOCUMENT_NAME, version, entry.dist.integrity, entry.manifest);
            } catch {
              input = new Uint8Array(0);
            }
            const key = plan === 'v2-other' ? keys.other : keys.trusted;
            const signature = { keyid: key.keyid, sig: await signBytes(key.privateKey, input) };
            signatures =
              typeof plan === 'object' ? Array.from({ length: plan.copies }, () => ({ keyid: key.keyid, sig: 'AAAA' })).concat([signature]) : [signature];
          }
          await acceptOrRefuse(() => checkAuthorSignatures(DOCUMENT_NAME, version, { ...entry, authorSignatures: signatures }, configured().keys));
        }
      }),
      fuzzParameters(RUNS),
    );
  });

  it('canonicalJson writes any JSON value as text that parses back to it, or refuses with a PlughubError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(hostileArb, async (recipe) => {
        const value = materialize(recipe);
        const outcome = await acceptOrRefuse(() => canonicalJson(value));
        if (!outcome.accepted) return;
        const text = outcome.value;
        if (canonicalJson(JSON.parse(text)) !== text) throw new FuzzFailure(`canonicalJson is not stable over its own output: ${text.slice(0, 200)}`);
        const expected = sortedJson(JSON.parse(JSON.stringify(value)));
        if (text !== expected) throw new FuzzFailure(`canonicalJson wrote ${text.slice(0, 200)} where ${expected.slice(0, 200)} was expected`);
      }),
      fuzzParameters(RUNS),
    );
  });

  it('normalizeKeys accepts or refuses any list a keys payload may hold with a PlughubError', { timeout: fuzzTimeout(RUNS) }, async () => {
    const listArb = fc.oneof(
      fc.array(hostileArb, { maxLength: 4 }).map((items) => items.map(materialize)),
      fc.array(fc.oneof(fc.string(), fc.record({ keyid: fc.string({ maxLength: 64 }), publicKey: fc.string() }), fc.constant(null)), { maxLength: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(listArb, (list) => acceptOrRefuse(() => normalizeKeys(list as never)).then(() => undefined)),
      fuzzParameters(RUNS),
    );
  });

  it('decodeStoredKeyChain never throws, and replayKeyChain adds no key the trusted key did not sign', { timeout: fuzzTimeout(RUNS) }, async () => {
    const storedArb = fc.oneof(
      { weight: 1, arbitrary: hostileArb.map((hostile) => ({ hostile })) },
      { weight: 4, arbitrary: fc.array(keysEnvelopeArb, { maxLength: 4 }).map((links) => ({ links })) },
    );
    await fc.assert(
      fc.asyncProperty(storedArb, async (stored) => {
        const value =
          'hostile' in stored
            ? materialize(stored.hostile)
            : { anchor: 'fuzz', registry: REGISTRY, envelopes: await Promise.all(stored.links.map((link) => keysEnvelope(link, keys))) };
        const chain = neverThrows(() => decodeStoredKeyChain(value));
        if (chain === undefined) return;
        const outcome = await acceptOrRefuse(() =>
          replayKeyChain(configured(), chain.envelopes, { registry: REGISTRY, minThreshold: 1 }, 'https://registry.test/v1/keys'),
        );
        if (!outcome.accepted || !('links' in stored) || stored.links.length === 0) return;
        const first = stored.links[0]!;
        const trustedSigned = first.replaced === undefined && (first.signers === 'trusted' || first.signers === 'both');
        if (!trustedSigned && outcome.value.keysVersion !== 0) {
          throw new FuzzFailure(`a stored chain whose first link the trusted key did not sign moved the trust to keys version ${outcome.value.keysVersion}`);
        }
      }),
      fuzzParameters(RUNS),
    );
  });

  it('followKeyChain moves or refuses with a PlughubError, whatever the registry answers', { timeout: fuzzTimeout(RUNS) }, async () => {
    const answerArb = fc.oneof(
      { weight: 4, arbitrary: keysEnvelopeArb.map((recipe) => ({ recipe })) },
      { weight: 1, arbitrary: fc.constant({ fails: true as const }) },
    );
    const scriptArb = fc.record({
      current: fc.nat({ max: 3 }),
      newest: answerArb,
      versions: fc.array(answerArb, { maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(scriptArb, async (script) => {
        const answer = async (choice: (typeof script.versions)[number]) => {
          if ('fails' in choice) throw new Error('connection reset');
          return keysEnvelope(choice.recipe, keys);
        };
        const fetchKeys = async (version?: number): Promise<unknown> => {
          if (version === undefined) return answer(script.newest);
          const choice = script.versions[version % Math.max(1, script.versions.length)];
          return choice === undefined ? undefined : answer(choice);
        };
        await acceptOrRefuse((signal) =>
          followKeyChain({
            current: { ...configured(), keysVersion: script.current },
            fetchKeys: (version) => (signal.aborted ? Promise.reject(signal.reason) : fetchKeys(version)),
            registry: REGISTRY,
            minThreshold: 1,
            url: 'https://registry.test/v1/keys',
            now: NOW,
          }),
        );
      }),
      fuzzParameters(RUNS),
    );
  });

  it('followKeyChain walks a bounded number of links, however far ahead the registry claims to be', { timeout: fuzzTimeout(RUNS / 2) }, async () => {
    // A registry holding the trusted key answers every keys version asked with a valid link, and a newest
    // version (signed for another registry, so that no shortcut applies) far ahead.
    const walkArb = fc.record({
      current: fc.nat({ max: 3 }),
      newest: fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 4, max: 64 }) },
        { weight: 1, arbitrary: fc.integer({ min: 500, max: 520 }) },
        { weight: 6, arbitrary: fc.integer({ min: 1000, max: Number.MAX_SAFE_INTEGER }) },
      ),
    });
    // Links are signed once and reused across cases: signing is the test's cost, not the walk's.
    const links = new Map<number, Promise<unknown>>();
    const link = (version: number) => {
      let envelope = links.get(version);
      if (envelope === undefined) links.set(version, (envelope = validKeysEnvelope(version, keys)));
      return envelope;
    };
    await fc.assert(
      fc.asyncProperty(walkArb, async ({ current, newest }) => {
        await acceptOrRefuse((signal) =>
          followKeyChain({
            current: { ...configured(), keysVersion: current },
            fetchKeys: (version) =>
              signal.aborted ? Promise.reject(signal.reason) : version === undefined ? validKeysEnvelope(newest, keys, 'plughub:elsewhere') : link(version),
            registry: REGISTRY,
            minThreshold: 1,
            url: 'https://registry.test/v1/keys',
            now: NOW,
          }),
        );
      }),
      fuzzParameters(RUNS / 2),
    );
  });
});
