/** Moving dist-tags through the API: PUT and DELETE /v1/plugins/:name/dist-tags/:tag, with a token allowed for the plugin. */
import { describe, expect, it } from 'vitest';
import { ORIGIN, errorOf, get, publish, testRegistry, type TestRegistry } from './helpers.js';

function tagRequest(
  registry: TestRegistry,
  name: string,
  tag: string,
  body: unknown,
  options: { token?: string | null; method?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = options.token === undefined ? registry.adminToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method: options.method ?? 'PUT', headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return registry.fetch(new Request(`${ORIGIN}/v1/plugins/${encodeURIComponent(name)}/dist-tags/${encodeURIComponent(tag)}`, init));
}

async function tagsOf(registry: TestRegistry, name: string): Promise<Record<string, string>> {
  return ((await (await get(registry, `/v1/plugins/${encodeURIComponent(name)}`)).json()) as { distTags: Record<string, string> }).distTags;
}

describe.each(['memory', 'fs'] as const)('dist-tags (%s storage)', (driver) => {
  it('points a tag at a version, moves it and removes it', async () => {
    const registry = await testRegistry({ driver });
    await publish(registry, '@acme/tagged', '1.0.0');
    await publish(registry, '@acme/tagged', '2.0.0');
    const put = await tagRequest(registry, '@acme/tagged', 'stable', { version: '1.0.0' });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ name: '@acme/tagged', distTags: { latest: '2.0.0', stable: '1.0.0' } });
    expect((await tagRequest(registry, '@acme/tagged', 'stable', { version: '2.0.0' })).status).toBe(200);
    expect(await tagsOf(registry, '@acme/tagged')).toEqual({ latest: '2.0.0', stable: '2.0.0' });
    expect((await tagRequest(registry, '@acme/tagged', 'stable', undefined, { method: 'DELETE' })).status).toBe(200);
    expect(await tagsOf(registry, '@acme/tagged')).toEqual({ latest: '2.0.0' });
  });

  it('refuses without a token, with a token for other plugins, and bad tags, versions and bodies', async () => {
    const registry = await testRegistry({ driver });
    await publish(registry, 'tagged', '1.0.0');
    const { token: other } = await registry.tokens.create({ admin: false, publish: ['other'] });
    const refusals: Array<[Promise<Response>, number, string, RegExp]> = [
      [tagRequest(registry, 'tagged', 'next', { version: '1.0.0' }, { token: null }), 401, 'E_UNAUTHORIZED', /token/],
      [tagRequest(registry, 'tagged', 'next', { version: '1.0.0' }, { token: other }), 403, 'E_FORBIDDEN', /tagged/],
      [tagRequest(registry, 'tagged', 'latest', { version: '1.0.0' }), 400, 'E_BAD_REQUEST', /follows the highest version/],
      [tagRequest(registry, 'tagged', 'v1', { version: '1.0.0' }), 400, 'E_BAD_REQUEST', /reads as a semver range/],
      [tagRequest(registry, 'tagged', 'Next!', { version: '1.0.0' }), 400, 'E_BAD_REQUEST', /lower-case/],
      [tagRequest(registry, 'tagged', 'next', { version: '9.9.9' }), 404, 'E_NOT_FOUND', /no version 9\.9\.9/],
      [tagRequest(registry, 'nothing', 'next', { version: '1.0.0' }), 404, 'E_NOT_FOUND', /no plugin named nothing/],
      [tagRequest(registry, 'tagged', 'next', undefined, { method: 'DELETE' }), 404, 'E_NOT_FOUND', /no dist-tag next/],
      [tagRequest(registry, 'tagged', 'next', 'not json'), 400, 'E_BAD_REQUEST', /must be JSON/],
      [tagRequest(registry, 'tagged', 'next', { version: '^1.0.0' }), 400, 'E_BAD_REQUEST', /must name a version/],
      [tagRequest(registry, 'tagged', 'next', { version: '1.0.0', pad: 'x'.repeat(2000) }), 413, 'E_TOO_LARGE', /at most 1024 bytes/],
    ];
    for (const [pending, status, code, message] of refusals) {
      const response = await pending;
      const error = await errorOf(response);
      expect({ status: response.status, code: error.code }, error.message).toEqual({ status, code });
      expect(error.message).toMatch(message);
    }
    expect(await tagsOf(registry, 'tagged')).toEqual({ latest: '1.0.0' });
  });
});
