import { describe, expect, it } from 'vitest';
import { isRouteError } from '../../../src/core/errors/index.js';
import { MAX_PATTERN_LENGTH, MAX_PATTERN_SEGMENTS, parseRoutePattern, patternsOverlap } from '../../../src/core/routes/index.js';

function refusal(pattern: string): string {
  try {
    parseRoutePattern(pattern, { plugin: 'sample', version: '1.0.0' });
  } catch (error) {
    expect(isRouteError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^sample@1\.0\.0: route /);
    return (error as Error).message;
  }
  throw new Error(`expected ${pattern} to be refused`);
}

describe('parseRoutePattern', () => {
  it('parses static segments, :params and a trailing *', () => {
    expect(parseRoutePattern('/api/plugin/sample/:id')).toEqual({
      source: '/api/plugin/sample/:id',
      segments: [
        { kind: 'static', value: 'api' },
        { kind: 'static', value: 'plugin' },
        { kind: 'static', value: 'sample' },
        { kind: 'param', name: 'id' },
      ],
      wildcard: false,
    });
    expect(parseRoutePattern('/files/*')).toMatchObject({ segments: [{ kind: 'static', value: 'files' }], wildcard: true });
    expect(parseRoutePattern('/')).toMatchObject({ segments: [], wildcard: false });
    expect(parseRoutePattern('/*')).toMatchObject({ segments: [], wildcard: true });
  });

  it('ignores one trailing slash, and decodes percent-escapes of static segments', () => {
    expect(parseRoutePattern('/a/b/').segments).toEqual(parseRoutePattern('/a/b').segments);
    expect(parseRoutePattern('/caf%C3%A9/a%2Fb').segments).toEqual([
      { kind: 'static', value: 'café' },
      { kind: 'static', value: 'a/b' },
    ]);
  });

  it('refuses malformed patterns with the reason', () => {
    expect(refusal('api/x')).toContain('must start with "/"');
    expect(refusal('/a//b')).toContain('empty segment');
    expect(refusal('/a/*/b')).toContain('"*" may only be the last segment');
    expect(refusal('/static/*.*')).toContain('"*.*" are not supported');
    expect(refusal('/a/:1st')).toContain('is not a parameter name');
    expect(refusal('/a/:')).toContain('is not a parameter name');
    expect(refusal('/a/:__proto__')).toContain('is not a parameter name');
    expect(refusal('/a/:id/b/:id')).toContain('":id" appears twice');
    expect(refusal('/a/b c')).toContain('cannot carry unescaped');
    expect(refusal('/a/%zz')).toContain('cannot carry unescaped');
    expect(refusal('/a/../b')).toContain('can never match');
    expect(refusal('/a/%2e')).toContain('can never match');
  });

  it('bounds the length and the number of segments', () => {
    expect(refusal(`/${'a'.repeat(MAX_PATTERN_LENGTH)}`)).toContain(`longer than ${MAX_PATTERN_LENGTH}`);
    expect(() => parseRoutePattern(`/${Array(MAX_PATTERN_SEGMENTS).fill('s').join('/')}`)).not.toThrow();
    expect(
      refusal(
        `/${Array(MAX_PATTERN_SEGMENTS + 1)
          .fill('s')
          .join('/')}`,
      ),
    ).toContain(`more than ${MAX_PATTERN_SEGMENTS} segments`);
  });
});

describe('patternsOverlap', () => {
  const overlap = (a: string, b: string) => {
    const result = patternsOverlap(parseRoutePattern(a), parseRoutePattern(b));
    expect(patternsOverlap(parseRoutePattern(b), parseRoutePattern(a))).toBe(result);
    return result;
  };

  it('finds patterns that can match the same path', () => {
    expect(overlap('/a/:id', '/a/new')).toBe(true);
    expect(overlap('/a/:id', '/a/:key')).toBe(true);
    expect(overlap('/a/:x/c', '/a/b/:y')).toBe(true);
    expect(overlap('/a/b', '/a/b/')).toBe(true);
    expect(overlap('/files/*', '/files')).toBe(true);
    expect(overlap('/files/*', '/files/a/b/c')).toBe(true);
    expect(overlap('/*', '/')).toBe(true);
    expect(overlap('/a/*', '/:x/b/*')).toBe(true);
    expect(overlap('/caf%C3%A9', '/caf%c3%a9')).toBe(true);
  });

  it('tells apart patterns no path matches both of', () => {
    expect(overlap('/a/:id', '/b/:id')).toBe(false);
    expect(overlap('/a/:id', '/a/:id/more')).toBe(false);
    expect(overlap('/a', '/a/:id')).toBe(false);
    expect(overlap('/files/x/*', '/files/y/*')).toBe(false);
    expect(overlap('/files/a/b/*', '/files/a')).toBe(false);
    expect(overlap('/', '/a')).toBe(false);
  });
});
