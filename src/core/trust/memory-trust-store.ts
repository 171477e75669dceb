/**
 * A TrustStore kept in memory: what a short-lived host or a test needs. A
 * host that must resist rollback across restarts uses the filesystem
 * (plughub/node) or IndexedDB (plughub/browser) store instead.
 */
import type { StoredKeyChain, TrustStore } from '../ports.js';

/** Creates an empty in-memory TrustStore; values are copied in and out. */
export function createMemoryTrustStore(): TrustStore {
  const versions = new Map<string, number>();
  const chains = new Map<string, StoredKeyChain>();
  const key = (registry: string, name: string) => `${registry}\n${name}`;
  return {
    async getVersion(registry, name) {
      return versions.get(key(registry, name));
    },
    async raiseVersion(registry, name, version) {
      const current = versions.get(key(registry, name));
      if (current === undefined || version > current) versions.set(key(registry, name), version);
    },
    async getKeyChain(registryUrl) {
      const chain = chains.get(registryUrl);
      return chain ? structuredClone(chain) : undefined;
    },
    async putKeyChain(registryUrl, chain) {
      chains.set(registryUrl, structuredClone(chain));
    },
  };
}
