/**
 * A Response whose bytes are already in memory, built without the cost of a
 * full Response: it answers `status` and `ok` itself and builds the real
 * Response (headers, body stream) only when anything else is read. It passes
 * `instanceof Response`, so any consumer can treat it as one; the node:http
 * bridge instead writes its parts directly, as long as nobody materialized
 * (and so possibly changed) the real Response. The registry answers its
 * documents and blobs with it, and plugin routes their text, bytes and JSON
 * (respond.ts): in Node 20 a Response's body stream costs several
 * microseconds to make, more than the rest of a trivial route.
 */
import { delegateToMaterialized } from './delegate.js';

/** Status, headers and body of a response built from bytes. */
export interface PreparedParts {
  status: number;
  /** Complete response headers (content-length included); shared, so never to be changed. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array | null;
}

/**
 * Whether a PreparedResponse can stand for this platform's Response: its
 * members must be on Response.prototype, as WebIDL defines them (Node's and
 * the browsers' are; a test double that keeps them on each object is not).
 * Where it cannot, plugin routes answer plain Responses.
 */
export const RESPONSE_CAN_BE_PREPARED: boolean = ['headers', 'body', 'status', 'text', 'arrayBuffer', 'clone'].every(
  (key) => Object.getOwnPropertyDescriptor(Response.prototype, key) !== undefined,
);

/** The lightweight Response; create it through `bytesResponse` in responses.ts. */
export class PreparedResponse {
  readonly #parts: PreparedParts;
  #real: Response | undefined;

  constructor(parts: PreparedParts) {
    this.#parts = parts;
  }

  /** The parts, unless the real Response exists (it may have been changed since). */
  get preparedParts(): PreparedParts | undefined {
    return this.#real === undefined ? this.#parts : undefined;
  }

  get status(): number {
    return this.#real?.status ?? this.#parts.status;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The full Response, built on first use. */
  materialize(): Response {
    const { status, headers, body } = this.#parts;
    this.#real ??= new Response(body as Uint8Array<ArrayBuffer> | null, { status, headers });
    return this.#real;
  }
}

delegateToMaterialized(PreparedResponse, Response, ['status', 'ok']);
