/**
 * The write routes, each needing a token allowed for the plugin: PUT a
 * version (a `.plg` body, `application/gzip` or `application/octet-stream`;
 * a Content-Length above the upload limit is refused before a byte is read;
 * a token may have `uploads.perToken` uploads in flight, and each body is
 * received whole, at the pace the upload limits demand, before it is
 * unpacked), and POST / DELETE `…/yank` to yank a version or restore it.
 */
import type { Context } from 'hono';
import type { VersionEntry } from '../../src/core/registry/index.js';
import { requirePublishRight, requireToken } from '../auth.js';
import { setYanked } from '../documents.js';
import { HttpError } from '../http/errors.js';
import { requestHeader } from '../http/request-header.js';
import { jsonResponse } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';
import { publishVersion } from '../publish.js';
import { AUTHOR_SIGNATURE_HEADER, parseAuthorSignatures } from '../trust/author.js';
import { receiveUpload } from '../upload/receive.js';
import { pluginNameParam, versionParam } from './params.js';

const PACKAGE_TYPES = new Set(['application/gzip', 'application/x-gzip', 'application/octet-stream']);

/** PUT /v1/plugins/:name/:version; `published` hears of each version stored. */
export function putVersion(options: ResolvedOptions, published?: (name: string, version: string, entry: VersionEntry) => void) {
  return async (c: Context): Promise<Response> => {
    const name = pluginNameParam(c);
    const version = versionParam(c);
    const request = c.req.raw;
    const token = await requireToken(request, options.tokens);
    requirePublishRight(token, name);
    const type = (requestHeader(request, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!PACKAGE_TYPES.has(type)) {
      const sent = type === '' ? 'no Content-Type' : `Content-Type ${type}`;
      throw new HttpError(415, 'E_UNSUPPORTED_MEDIA_TYPE', `a .plg upload needs Content-Type application/gzip (or application/octet-stream), not ${sent}`);
    }
    const declared = requestHeader(request, 'content-length');
    const limit = options.limits.maxPackageBytes;
    if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
      throw new HttpError(413, 'E_TOO_LARGE', `the compressed package (${declared} bytes) exceeds the limit of ${limit} bytes`, { extra: { limit } });
    }
    const authorSignatures = parseAuthorSignatures(requestHeader(request, AUTHOR_SIGNATURE_HEADER));
    if (request.body === null) throw new HttpError(400, 'E_BAD_ARCHIVE', 'the request has no body: send the .plg file');
    const release = options.uploadSlots.acquire(token.id);
    if (release === undefined) throw tooManyUploads(options, token.id);
    let entry: VersionEntry;
    try {
      const body = await receiveUpload(request.body, options, `${name}@${version}`);
      try {
        entry = await publishVersion(options, name, version, body, authorSignatures);
      } finally {
        await body.close();
      }
    } finally {
      release();
    }
    published?.(name, version, entry);
    const location = `${options.publicUrl ?? ''}/v1/plugins/${encodeURIComponent(name)}`;
    return jsonResponse(201, entry, { location });
  };
}

/** The 429 for a token with all its upload slots taken; a stalled upload frees one within a rate window. */
function tooManyUploads(options: ResolvedOptions, tokenId: string): HttpError {
  const { perToken, windowMs } = options.uploads;
  return new HttpError(
    429,
    'E_TOO_MANY_UPLOADS',
    `token ${tokenId} already has ${perToken} uploads in flight, the most one token may have: wait for one to finish`,
    {
      extra: { limit: perToken },
      headers: { 'retry-after': String(Math.ceil(windowMs / 1000)) },
    },
  );
}

/** POST (yanked = true) or DELETE (yanked = false) /v1/plugins/:name/:version/yank */
export function yankVersion(options: ResolvedOptions, yanked: boolean) {
  return async (c: Context): Promise<Response> => {
    const name = pluginNameParam(c);
    const version = versionParam(c);
    requirePublishRight(await requireToken(c.req.raw, options.tokens), name);
    let entry: VersionEntry | undefined;
    let changed = false;
    await options.storage.updateDocument(name, (current) => {
      entry = current?.versions[version];
      if (current === undefined || entry === undefined) {
        throw new HttpError(404, 'E_NOT_FOUND', current === undefined ? `no plugin named ${name} is published here` : `${name} has no version ${version}`);
      }
      const next = setYanked(current, version, yanked, options.now());
      changed = next !== undefined;
      entry = next?.versions[version] ?? entry;
      return next;
    });
    if (changed) options.log({ level: 'info', message: `${yanked ? 'yanked' : 'restored'} ${name}@${version}` });
    return jsonResponse(200, entry);
  };
}
