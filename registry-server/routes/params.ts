/**
 * Reading and checking route parameters: plugin names (scoped names arrive
 * URL-encoded, `@acme%2Fhello`), versions (exact semver, as plugin.json
 * writes them) and the list's query parameters. Bad values are 400s.
 */
import * as semver from '../../src/core/semver.js';
import type { Context } from 'hono';
import { validatePluginName } from '../../src/core/plugin/index.js';
import { HttpError } from '../http/errors.js';

/** The `:name` parameter, decoded and checked. */
export function pluginNameParam(c: Context): string {
  const name = c.req.param('name') ?? '';
  checkPluginName(name);
  return name;
}

/** Throws a 400 unless `name` (a route parameter) is a valid plugin name. */
export function checkPluginName(name: string): void {
  const problem = validatePluginName(name);
  if (problem !== undefined) throw new HttpError(400, 'E_BAD_REQUEST', `invalid plugin name ${JSON.stringify(name)}: ${problem}`);
}

/** The `:version` parameter, checked to be a plain semver version. */
export function versionParam(c: Context): string {
  const version = c.req.param('version') ?? '';
  if (semver.valid(version) !== version || version.includes('+')) {
    throw new HttpError(400, 'E_BAD_REQUEST', `invalid version ${JSON.stringify(version)}: expected a semver version such as 1.2.3`);
  }
  return version;
}

/** A non-negative integer query parameter within bounds, or its default. */
export function integerQuery(c: Context, key: string, fallback: number, min: number, max: number): number {
  const text = c.req.query(key);
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new HttpError(400, 'E_BAD_REQUEST', `query parameter ${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(text)})`);
  }
  return value;
}
