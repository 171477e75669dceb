/**
 * Moving dist-tags, with a token allowed for the plugin: PUT
 * `/v1/plugins/:name/dist-tags/:tag` with `{ "version": "1.2.0" }` points
 * the tag at that version; DELETE removes it. `latest` is not moved by hand:
 * it follows the highest version that is not yanked.
 */
import type { Context } from 'hono';
import { requirePublishRight, requireToken } from '../auth.js';
import { describeDistTag, setDistTag } from '../documents.js';
import { HttpError } from '../http/errors.js';
import { jsonResponse } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';
import { pluginNameParam } from './params.js';
import * as semver from '../../src/core/semver.js';
import { isSizeLimitError } from '../../src/core/errors/index.js';
import { readLimitedBody } from '../../src/core/routes/index.js';

/** The most a dist-tag request body may hold. */
const MAX_BODY_BYTES = 1024;

/** PUT (point) and DELETE (remove) /v1/plugins/:name/dist-tags/:tag */
export function moveDistTag(options: ResolvedOptions, remove: boolean) {
  return async (c: Context): Promise<Response> => {
    const name = pluginNameParam(c);
    const tag = c.req.param('tag') ?? '';
    requirePublishRight(await requireToken(c.req.raw, options.tokens), name);
    const problem = describeDistTag(tag);
    if (problem !== undefined) throw new HttpError(400, 'E_BAD_REQUEST', `dist-tag ${JSON.stringify(tag.slice(0, 80))} ${problem}`);
    const version = remove ? undefined : await versionOfBody(c.req.raw);
    let tags: Record<string, string> = {};
    await options.storage.updateDocument(name, (current) => {
      if (current === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no plugin named ${name} is published here`);
      if (version !== undefined && !Object.hasOwn(current.versions, version)) throw new HttpError(404, 'E_NOT_FOUND', `${name} has no version ${version}`);
      if (version === undefined && !Object.hasOwn(current.distTags, tag)) throw new HttpError(404, 'E_NOT_FOUND', `${name} has no dist-tag ${tag}`);
      const next = setDistTag(current, tag, version, options.now());
      tags = (next ?? current).distTags;
      return next;
    });
    options.log({ level: 'info', message: version === undefined ? `removed dist-tag ${tag} of ${name}` : `moved dist-tag ${tag} of ${name} to ${version}` });
    return jsonResponse(200, { name, distTags: tags });
  };
}

/** The `version` of a JSON body `{ "version": "1.2.0" }`, read up to MAX_BODY_BYTES. */
async function versionOfBody(request: Request): Promise<string> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readLimitedBody(request.body, request.headers.get('content-length'), MAX_BODY_BYTES, 'a dist-tag body', {});
  } catch (error) {
    if (isSizeLimitError(error)) throw new HttpError(413, 'E_TOO_LARGE', `a dist-tag body is at most ${MAX_BODY_BYTES} bytes`);
    throw error;
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array()));
  } catch {
    throw new HttpError(400, 'E_BAD_REQUEST', 'the body must be JSON: { "version": "1.2.3" }');
  }
  const version = (body as { version?: unknown } | null)?.version;
  if (typeof version !== 'string' || semver.valid(version) !== version) {
    throw new HttpError(400, 'E_BAD_REQUEST', 'the body must name a version: { "version": "1.2.3" }');
  }
  return version;
}
