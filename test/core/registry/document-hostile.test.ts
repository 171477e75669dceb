/** A hostile registry document whose string fields hold objects with a deeply nested `length` is refused, not a stack overflow. */
import { describe, expect, it } from 'vitest';
import { isDocumentError } from '../../../src/core/errors/index.js';
import { parsePluginDocument } from '../../../src/core/registry/index.js';

describe('parsePluginDocument', () => {
  it('refuses a name, integrity or url that is an object with a deeply nested length, with a DocumentError', () => {
    let deep: unknown = [];
    for (let depth = 0; depth < 5000; depth++) deep = [deep];
    const hostile = { length: deep };
    const entry = { manifest: { name: 'x', version: '1.0.0' }, dist: { integrity: hostile, size: 1, url: hostile }, publishedAt: 'now' };
    for (const document of [
      { name: hostile, modified: 'x', versions: {} },
      { name: 'x', modified: 'x', versions: { '1.0.0': entry } },
    ]) {
      let caught: unknown;
      try {
        parsePluginDocument(document, 'x');
      } catch (error) {
        caught = error;
      }
      expect(isDocumentError(caught), String(caught)).toBe(true);
      expect((caught as Error).message).toContain('expected string, received object');
    }
  });
});
