/**
 * plughub/core: the platform-neutral heart of plughub. It speaks only web
 * standards (fetch, URL, crypto.subtle, AbortSignal, streams), so it runs in
 * Node, browsers and workers alike. `createHost` composes it with caches and
 * a loader; plughub/node and plughub/browser do that with their own adapters.
 *
 * @example
 * import { createHost } from 'plughub/core';
 * const host = createHost({ registry: 'http://127.0.0.1:4873' });
 * await host.load('hello@^1');
 * console.log(await host.execute('hello', { values: { who: 'you' } }));
 */
export * from './errors/index.js';
export { Base64Error, isBase64Error } from './base64-error.js';
export * from './plugin/manifest.js';
export * from './plugin/versions.js';
export * from './integrity.js';
export * from './registry/document.js';
export * from './plugin/context.js';
export * from './registry/client.js';
export * from './ports.js';
export * from './plugin/definition.js';
export * from './host/events.js';
export { createMemoryBlobCache, createMemoryDocumentCache, selectForPrune } from './memory.js';
export { createDataUrlLoader, memoizeByIntegrity, importFailure, moduleDataUrl } from './plugin/loader.js';
export { createHost, type AutoUpdateOptions, type HostOptions, type LocalBundle, type PluginHost } from './host/create.js';
export { createApiScope, tracked, untracked, type ApiScope } from './host/api-scope.js';
export type { ExecuteInit, PluginOrigin } from './host/instance.js';
export type { HostEvents, HostPhase, LoadedPlugin, SwapReason, UpdatedPlugin, UpdateFailure, UpdateReport } from './host/types.js';
export { createIsolatedInstance, IsolatedInstance, type IsolatedInstanceInit } from './isolation/isolated-instance.js';
export { runPluginWorker } from './isolation/worker-runtime.js';
export type { Isolation, IsolatedWorker, LoadedInstance, WorkerModuleScheme, WorkerPort, WorkerSpawner } from './isolation/types.js';
export { createMemoryTrustStore } from './trust/memory-trust-store.js';
export {
  signEnvelope,
  signatureInput,
  authorSignatureInput,
  legacyAuthorSignatureInput,
  signedManifestFields,
  AUTHOR_SIGNED_FIELDS,
  keyIdOf,
  generateSigningKey,
  importSigningKey,
  importPublicKey,
  isEnvelope,
  ENVELOPE_MEDIA_TYPE,
  DOCUMENT_PAYLOAD_TYPE,
  LIST_PAYLOAD_TYPE,
  KEYS_PAYLOAD_TYPE,
  type Envelope,
  type EnvelopeSignature,
  type Payload,
  type PayloadType,
  type DocumentPayload,
  type ListPayload,
  type KeysPayload,
  type PublicKeyEntry,
  type SigningKey,
  type GeneratedSigningKey,
} from './trust/envelope.js';
export { canonicalJson } from './trust/canonical-json.js';
export { createTrustGuard, createAuthorCheck, authorPatternOf, type AuthorCheck, type TrustGuard, type TrustOptions } from './trust/trust-guard.js';
export { normalizeKeys, openEnvelope, checkSignatures, checkAuthorSignatures, MAX_ENVELOPE_SIGNATURES, type AuthorSignedEntry, type TrustedKeyInput, type EnvelopeExpectation } from './trust/verify.js';
export { followKeyChain, replayKeyChain, decodeStoredKeyChain, MAX_KEY_CHAIN_LINKS, MAX_KEY_CHAIN_WALK, type KeysFetcher, type TrustedKeySet } from './trust/key-chain.js';
