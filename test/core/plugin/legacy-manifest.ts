/** Manifest fields a version published before the publish bounds may carry: each breaks one of those bounds. */
export const LEGACY_FIELDS = {
  /** One character over the 300 allowed. */
  description: 'd'.repeat(301),
  /** Eight over the 32 allowed. */
  maintainers: Array.from({ length: 40 }, (_, i) => `m${i}@example.com`),
  /** An unknown field of 10 KiB, over the 8 KiB allowed. */
  notes: 'n'.repeat(10 * 1024),
};
