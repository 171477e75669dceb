/**
 * Ready answers: the responses of a body the registry holds in memory (a
 * document, a blob), built once per body and shared by every GET or HEAD
 * of it — the 200 with the body, the same headers without the body for
 * HEAD, and the 304 to a matching If-None-Match — with their headers both
 * as a frozen record and as node:http's flat `[name, value, …]` list. The
 * read routes answer Responses from them (http/responses.ts bytesReader),
 * and a server that can write them itself (the node:http bridge) asks the
 * registry for one before it builds any Request (ANSWER_AT_ONCE), so both
 * send the same bytes.
 */

/** One prepared response. Frozen: every request it answers shares it. */
export interface ReadyAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** `headers` as node:http's writeHead takes them: `[name, value, name, value, …]`. */
  readonly headerList: readonly string[];
  /** The body; null for a HEAD or a 304. */
  readonly body: Uint8Array | null;
}

/** The answers to GETs and HEADs of one body. */
export interface BodyAnswers {
  readonly ok: ReadyAnswer;
  readonly head: ReadyAnswer;
  readonly notModified: ReadyAnswer;
}

/** The answers of a body with its ETag, built on its first request and kept while the body lives. */
export type AnswersOf = (body: Uint8Array, etag: string) => BodyAnswers;

/**
 * The answers of one kind of body: `base` (CORS, Cache-Control, Vary …) and
 * the ETag on all three, `contentType` and the length on the 200 and the
 * HEAD. One per route: two routes serving the same bytes with other headers
 * keep apart.
 */
export function bodyAnswers(base: Readonly<Record<string, string>>, contentType: string): AnswersOf {
  const built = new WeakMap<Uint8Array, BodyAnswers>();
  return (body, etag) => {
    let answers = built.get(body);
    if (answers === undefined) {
      const notModified = Object.freeze({ ...base, etag });
      const ok = Object.freeze({ ...notModified, 'content-type': contentType, 'content-length': String(body.byteLength) });
      answers = Object.freeze({ ok: readyAnswer(200, ok, body), head: readyAnswer(200, ok, null), notModified: readyAnswer(304, notModified, null) });
      built.set(body, answers);
    }
    return answers;
  };
}

function readyAnswer(status: number, headers: Readonly<Record<string, string>>, body: Uint8Array | null): ReadyAnswer {
  return Object.freeze({ status, headers, headerList: Object.freeze(Object.entries(headers).flat()), body });
}

/** The headers of a request as node:http parses them: lowercase names, repeated ones joined (set-cookie an array). */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Answers a request from memory at once, or returns undefined when it
 * cannot (any request but a hot read whose body is in memory): the caller
 * then builds a Request and asks `fetch`, which answers everything. What it
 * answers is measured and counted as `fetch` would.
 */
export type AnswerAtOnce = (method: string, target: string, headers: HeaderRecord) => ReadyAnswer | undefined;

/** The key of a handler's AnswerAtOnce (the registry has one; see registry.ts). */
export const ANSWER_AT_ONCE = Symbol.for('plughub.server.answerAtOnce');

/** One header of a HeaderRecord as a single string (repeated values joined), or null. */
export function headerValue(headers: HeaderRecord, name: string): string | null {
  const value = headers[name];
  return value === undefined ? null : typeof value === 'string' ? value : value.join(', ');
}
