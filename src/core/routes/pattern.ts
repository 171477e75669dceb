/**
 * Route patterns, parsed once when a plugin loads: `/api/plugin/sample/:id`
 * is a list of segments, each static text, a `:param` or (last only) a `*`
 * wildcard. The rules, which docs/guide/writing-plugins.md repeats:
 *
 * - A pattern starts with `/`; one trailing `/` is ignored (`/a/` is `/a`);
 *   an empty segment in the middle (`/a//b`) is refused.
 * - `:name` matches one non-empty segment; names are letters, digits and `_`
 *   (not starting with a digit), unique in the pattern.
 * - `*` as the last segment matches the rest of the path, zero or more
 *   segments; anywhere else (or inside a segment, as in `*.*`) it is refused.
 * - Static segments may carry percent-escapes and are compared decoded; `.`
 *   and `..` are refused (a URL never has them).
 * - Bounded: at most MAX_PATTERN_LENGTH characters and MAX_PATTERN_SEGMENTS
 *   segments.
 */
import { RouteError, type ErrorDetails } from '../errors/index.js';

/** The longest pattern accepted (plugin.json bounds `route` at 1,024 characters too). */
export const MAX_PATTERN_LENGTH = 1024;
/** The most segments a pattern may have. */
export const MAX_PATTERN_SEGMENTS = 32;
/** The longest `:param` name. */
const MAX_PARAM_NAME = 64;

/** One segment of a pattern. */
export type PatternSegment = { kind: 'static'; value: string } | { kind: 'param'; name: string };

/** A parsed pattern: its segments (the wildcard excluded) and whether a `*` ends it. */
export interface RoutePattern {
  /** The pattern as written. */
  readonly source: string;
  readonly segments: readonly PatternSegment[];
  readonly wildcard: boolean;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** What a static segment may hold: RFC 3986 pchar (unreserved, sub-delims, `:` `@`, percent-escapes). */
const STATIC_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()+,;=:@]|%[0-9A-Fa-f]{2})+$/;

/**
 * Parses a route pattern; a RouteError (naming `details.plugin` and the
 * pattern) says what is wrong with it.
 * @example parseRoutePattern('/api/plugin/sample/:id') // { segments: [static api, static plugin, static sample, param id], wildcard: false }
 */
export function parseRoutePattern(source: string, details: ErrorDetails = {}): RoutePattern {
  const refuse = (why: string): never => {
    const who = details.plugin ? `${details.plugin}${details.version ? `@${details.version}` : ''}: ` : '';
    throw new RouteError(`${who}route ${JSON.stringify(source.slice(0, 120))}: ${why}`, details);
  };
  if (typeof source !== 'string' || !source.startsWith('/')) return refuse('must start with "/"');
  if (source.length > MAX_PATTERN_LENGTH) return refuse(`is longer than ${MAX_PATTERN_LENGTH} characters`);
  const body = source.length > 1 && source.endsWith('/') ? source.slice(1, -1) : source.slice(1);
  const parts = body === '' ? [] : body.split('/');
  if (parts.length > MAX_PATTERN_SEGMENTS) return refuse(`has more than ${MAX_PATTERN_SEGMENTS} segments`);
  const segments: PatternSegment[] = [];
  const names = new Set<string>();
  let wildcard = false;
  parts.forEach((part, index) => {
    if (part === '') refuse('has an empty segment ("//")');
    if (part === '*') {
      if (index !== parts.length - 1) refuse('"*" may only be the last segment');
      wildcard = true;
      return;
    }
    if (part.startsWith(':')) {
      const name = part.slice(1);
      if (!PARAM_NAME.test(name) || name.length > MAX_PARAM_NAME || FORBIDDEN_NAMES.has(name)) {
        refuse(`":${name.slice(0, 70)}" is not a parameter name (letters, digits and _, not starting with a digit, at most ${MAX_PARAM_NAME})`);
      }
      if (names.has(name)) refuse(`the parameter ":${name}" appears twice`);
      names.add(name);
      segments.push({ kind: 'param', name });
      return;
    }
    if (part.includes('*')) refuse('"*" is allowed only as a whole last segment (patterns such as "*.*" are not supported)');
    if (!STATIC_SEGMENT.test(part)) refuse(`the segment ${JSON.stringify(part.slice(0, 70))} has characters a URL path cannot carry unescaped`);
    const value = decodeURIComponent(part);
    if (value === '.' || value === '..') refuse(`the segment "${part}" can never match (URLs resolve dot segments)`);
    segments.push({ kind: 'static', value });
  });
  return { source, segments, wildcard };
}

/** True when some path matches both patterns (their methods are compared by the caller). */
export function patternsOverlap(a: RoutePattern, b: RoutePattern): boolean {
  const lengthA = a.segments.length;
  const lengthB = b.segments.length;
  if (!a.wildcard && !b.wildcard && lengthA !== lengthB) return false;
  if (a.wildcard && !b.wildcard && lengthB < lengthA) return false;
  if (b.wildcard && !a.wildcard && lengthA < lengthB) return false;
  const shared = Math.min(lengthA, lengthB);
  for (let i = 0; i < shared; i++) {
    const x = a.segments[i]!;
    const y = b.segments[i]!;
    if (x.kind === 'static' && y.kind === 'static' && x.value !== y.value) return false;
  }
  return true;
}
