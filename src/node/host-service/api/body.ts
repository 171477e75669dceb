/**
 * The JSON bodies of the management API's changes: read whole up to a bound
 * (413 past it, core's readLimitedBody), parsed, and checked against a
 * zod/mini schema; every problem is a 400 naming the field at fault.
 */
import type * as z from 'zod/mini';
import { readLimitedBody } from '../../../core/routes/index.js';
import { englishMessage } from '../../../core/zod.js';
import { ApiError } from './errors.js';

/** The largest body of a change other than execute. */
export const MAX_CHANGE_BODY_BYTES = 16 * 1024;

/** `values.who`: a JSON path for a message. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'the body' : path.map(String).join('.');
}

/**
 * The body of `request` as JSON checked by `schema`; an empty body counts
 * as `{}`. Throws a 413 (SizeLimitError) past `maxBytes`, a 400 ApiError
 * for a body that is not JSON or does not fit.
 */
export async function readJsonBody<T>(request: Request, schema: z.ZodMiniType<T>, maxBytes = MAX_CHANGE_BODY_BYTES): Promise<T> {
  const bytes = await readLimitedBody(request.body, request.headers.get('content-length'), maxBytes, 'the request body', {});
  const text = bytes === undefined ? '' : new TextDecoder().decode(bytes);
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ApiError(400, 'E_BAD_REQUEST', `the request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  const result = schema.safeParse(json, { error: (issue) => englishMessage(issue) });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`).join('; ');
  throw new ApiError(400, 'E_BAD_REQUEST', `the request body is invalid: ${problems}`);
}
