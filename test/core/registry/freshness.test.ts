import { describe, expect, it } from 'vitest';
import { freshnessMs, MAX_FRESHNESS_MS } from '../../../src/core/registry/freshness.js';

const fresh = (headers: Record<string, string>) => freshnessMs(new Headers(headers));

describe('freshnessMs', () => {
  it('reads max-age, less the Age the answer spent in caches on the way', () => {
    expect(fresh({ 'cache-control': 'public, max-age=60' })).toBe(60_000);
    expect(fresh({ 'cache-control': 'Max-Age="45", public' })).toBe(45_000);
    expect(fresh({ 'cache-control': 'public, max-age=60', age: '20' })).toBe(40_000);
    expect(fresh({ 'cache-control': 'max-age=60', age: '90' })).toBe(0);
  });

  it('gives no freshness to no-store, no-cache, a missing, malformed or repeated max-age', () => {
    expect(fresh({})).toBe(0);
    expect(fresh({ 'cache-control': 'public' })).toBe(0);
    expect(fresh({ 'cache-control': 'max-age=60, no-cache' })).toBe(0);
    expect(fresh({ 'cache-control': 'no-store, max-age=60' })).toBe(0);
    expect(fresh({ 'cache-control': 'max-age=-5' })).toBe(0);
    expect(fresh({ 'cache-control': 'max-age=6e1' })).toBe(0);
    expect(fresh({ 'cache-control': 'max-age=60, max-age=60' })).toBe(0);
    expect(fresh({ 'cache-control': `max-age=60, ${'x'.repeat(2000)}` })).toBe(0);
  });

  it('caps the lifetime whatever the registry says', () => {
    expect(fresh({ 'cache-control': 'max-age=31536000' })).toBe(MAX_FRESHNESS_MS);
    expect(fresh({ 'cache-control': 'max-age=9999999999' })).toBe(MAX_FRESHNESS_MS);
  });
});
