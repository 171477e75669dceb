/**
 * A TrustStore kept in memory: what a short-lived host or a test needs. A
 * host that must resist rollback across restarts uses the filesystem
 * (plughub/node) or IndexedDB (plughub/browser) store instead.
 */
import type { TrustedKeySet, TrustStore } from '../ports.js';

/** Creates an empty in-memory TrustStore; values are copied in and out. */
export function createMemoryTrustStore(): TrustStore {
  const versions = new Map<string, number>();
  const keys = new Map<string, TrustedKeySet>();
  const key = (registry: string, name: string) => `${registry}\n${name}`;
  return {
    async getVersion(registry, name) {
      return versions.get(key(registry, name));
    },
    async raiseVersion(registry, name, version) {
      const current = versions.get(key(registry, name));
      if (current === undefined || version > current) versions.set(key(registry, name), version);
    },
    async getKeys(registryUrl) {
      const set = keys.get(registryUrl);
      return set ? structuredClone(set) : undefined;
    },
    async putKeys(registryUrl, set) {
      keys.set(registryUrl, structuredClone(set));
    },
  };
}
