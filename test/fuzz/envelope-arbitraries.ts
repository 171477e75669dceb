/**
 * Signed-metadata recipes for the fuzz properties: envelopes whose payload is
 * a document or keys payload with fields close to valid or hostile, signed
 * (for real, with test keys made once per file) by the trusted key, another
 * key, both or none, or carrying garbage signatures; and the builders that
 * turn a recipe into the envelope a registry would send.
 */
import * as fc from 'fast-check';
import { generateSigningKey, importSigningKey, signBytes, signatureInput, type Envelope, type PublicKeyEntry } from '../../src/core/trust/envelope.js';
import { documentArb, documentOf, type DocumentRecipe } from './document-arbitraries.js';
import { hostileArb, json, keyArb, materialize, objectOf, type Hostile } from './hostile-json.js';
import { rarely } from './text-arbitraries.js';

/** The registry identity of every valid payload. */
export const REGISTRY = 'plughub:fuzz';
/** The time the host checks `expires` against. */
export const NOW = Date.parse('2025-01-01T00:00:00.000Z');

/** Two signing keys: `trusted` is the host's, `other` a rotation target or a stranger. */
export interface TestKeys {
  trusted: PublicKeyEntry & { privateKey: CryptoKey };
  other: PublicKeyEntry & { privateKey: CryptoKey };
}

/** Makes the two keys (once per test file: generating keys is the slow part). */
export async function makeKeys(): Promise<TestKeys> {
  const make = async () => {
    const key = await generateSigningKey();
    return { keyid: key.keyid, publicKey: key.publicKey, privateKey: await importSigningKey(key.privateKeyPkcs8) };
  };
  return { trusted: await make(), other: await make() };
}

/** Who signs an envelope. */
export type Signers = 'trusted' | 'other' | 'both' | 'none' | { garbage: Hostile };

export const signersArb: fc.Arbitrary<Signers> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('trusted' as const) },
  { weight: 1, arbitrary: fc.constantFrom('other' as const, 'both' as const, 'none' as const) },
  { weight: 1, arbitrary: hostileArb.map((garbage) => ({ garbage })) },
);

/** An envelope: its payload type, payload fields (or raw text), signers, and the keys it is signed for. */
export interface EnvelopeRecipe {
  payloadType: 'right' | string;
  payload: { fields: [string, Hostile][] } | { text: string } | { hostile: Hostile };
  signers: Signers;
  /** Replace the whole envelope by a hostile value. */
  replaced: Hostile | undefined;
}

const EXPIRES_FUTURE = '2030-01-01T00:00:00.000Z';

/** Payload fields: the valid ones for `type`, then changes. */
function payloadArb(type: 'document' | 'keys', body: fc.Arbitrary<[string, Hostile][]>): fc.Arbitrary<EnvelopeRecipe['payload']> {
  const fieldsArb = fc
    .tuple(
      body,
      fc.oneof(
        { weight: 4, arbitrary: fc.constant([]) },
        {
          weight: 1,
          arbitrary: fc.array(
            fc.tuple(
              fc.oneof(fc.constantFrom('type', 'registry', 'name', 'version', 'expires', 'document', 'keys', 'threshold'), keyArb),
              fc.oneof(
                hostileArb,
                fc.constantFrom(json('2000-01-01T00:00:00.000Z'), json('not a date'), json(-1), json(1.5), json(9007199254740993), json('1')),
              ),
            ),
            { minLength: 1, maxLength: 2 },
          ),
        },
      ),
    )
    .map(([own, changes]) => ({
      fields: [['type', json(type)], ['registry', json(REGISTRY)], ['version', json(1)], ['expires', json(EXPIRES_FUTURE)], ...own, ...changes] as [
        string,
        Hostile,
      ][],
    }));
  return fc.oneof(
    { weight: 8, arbitrary: fieldsArb },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('null', '[]', '1', '"x"', '{}', '{"type":"document"')).map((text) => ({ text })),
    },
    { weight: 1, arbitrary: hostileArb.map((hostile) => ({ hostile })) },
  );
}

function envelopeArb(type: 'document' | 'keys', body: fc.Arbitrary<[string, Hostile][]>): fc.Arbitrary<EnvelopeRecipe> {
  return fc.record({
    payloadType: fc.oneof({ weight: 8, arbitrary: fc.constant('right') }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
    payload: payloadArb(type, body),
    signers: signersArb,
    replaced: rarely(hostileArb, 12),
  });
}

/** Document envelopes for the plugin `fuzzed` (the document itself from document-arbitraries). */
export const documentEnvelopeArb: fc.Arbitrary<EnvelopeRecipe & { document: DocumentRecipe }> = fc
  .tuple(envelopeArb('document', fc.constant([['name', json('fuzzed')]])), documentArb)
  .map(([recipe, document]) => ({ ...recipe, document }));

/** Which keys a keys payload lists. */
export type KeyList = 'trusted' | 'other' | 'both' | { hostile: Hostile };

const keyListArb: fc.Arbitrary<KeyList> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('trusted' as const, 'other' as const, 'both' as const) },
  { weight: 1, arbitrary: hostileArb.map((hostile) => ({ hostile })) },
);

/** Keys envelopes: a keys version, the keys listed and a threshold, plus the envelope changes. */
export const keysEnvelopeArb: fc.Arbitrary<EnvelopeRecipe & { keysVersion: number; keys: KeyList; threshold: Hostile }> = fc
  .tuple(
    envelopeArb('keys', fc.constant([])),
    fc.nat({ max: 6 }),
    keyListArb,
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(json(1)) },
      { weight: 1, arbitrary: fc.constantFrom(json(2), json(0), json(-1), json(3)) },
      { weight: 1, arbitrary: hostileArb },
    ),
  )
  .map(([recipe, keysVersion, keys, threshold]) => ({ ...recipe, keysVersion, keys, threshold }));

function keyListOf(list: KeyList, keys: TestKeys): unknown {
  const entry = (key: PublicKeyEntry) => ({ keyid: key.keyid, publicKey: key.publicKey });
  if (list === 'trusted') return [entry(keys.trusted)];
  if (list === 'other') return [entry(keys.other)];
  if (list === 'both') return [entry(keys.trusted), entry(keys.other)];
  return materialize(list.hostile);
}

/** The payload object of a recipe, with extra built fields (document, keys) placed before the changes. */
function payloadText(payload: EnvelopeRecipe['payload'], built: [string, unknown][]): string {
  if ('text' in payload) return payload.text;
  if ('hostile' in payload) return safeStringify(materialize(payload.hostile));
  const [base, rest] = [payload.fields.slice(0, 4), payload.fields.slice(4)];
  const object = objectOf(base);
  for (const [key, value] of built) object[key] = value;
  Object.assign(object, objectOf(rest));
  return safeStringify(object);
}

/** JSON text, or a placeholder when the value cannot be serialized (too deep): the registry could not have sent it. */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"unserializable"';
  }
}

async function signed(recipe: EnvelopeRecipe, payloadType: string, payload: string, keys: TestKeys): Promise<unknown> {
  if (recipe.replaced !== undefined) return materialize(recipe.replaced);
  const type = recipe.payloadType === 'right' ? payloadType : recipe.payloadType;
  const input = signatureInput(type, payload);
  const by = recipe.signers;
  if (typeof by === 'object') return { payloadType: type, payload, signatures: materialize(by.garbage) };
  const signers = by === 'both' ? [keys.trusted, keys.other] : by === 'none' ? [] : [keys[by]];
  const signatures = [];
  for (const key of signers) signatures.push({ keyid: key.keyid, sig: await signBytes(key.privateKey, input) });
  return { payloadType: type, payload, signatures };
}

/** The document envelope of a recipe. */
export function documentEnvelope(recipe: EnvelopeRecipe & { document: DocumentRecipe }, keys: TestKeys): Promise<unknown> {
  const payload = payloadText(recipe.payload, [['document', documentOf(recipe.document)]]);
  return signed(recipe, 'application/vnd.plughub.document+json', payload, keys);
}

/** The keys envelope of a recipe. */
export function keysEnvelope(recipe: EnvelopeRecipe & { keysVersion: number; keys: KeyList; threshold: Hostile }, keys: TestKeys): Promise<unknown> {
  const payload = payloadText(recipe.payload, [
    ['version', recipe.keysVersion],
    ['keys', keyListOf(recipe.keys, keys)],
    ['threshold', materialize(recipe.threshold)],
  ]);
  return signed(recipe, 'application/vnd.plughub.keys+json', payload, keys);
}

/** A valid keys envelope of `version` listing the trusted key, signed by it (a registry that answers any version asked). */
export async function validKeysEnvelope(version: number, keys: TestKeys, registry = REGISTRY): Promise<Envelope> {
  const payload = JSON.stringify({
    type: 'keys',
    registry,
    version,
    expires: EXPIRES_FUTURE,
    keys: [{ keyid: keys.trusted.keyid, publicKey: keys.trusted.publicKey }],
    threshold: 1,
  });
  const type = 'application/vnd.plughub.keys+json';
  return {
    payloadType: type,
    payload,
    signatures: [{ keyid: keys.trusted.keyid, sig: await signBytes(keys.trusted.privateKey, signatureInput(type, payload)) }],
  };
}
