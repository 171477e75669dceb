/**
 * An in-memory registry at the fetch level: `createRegistryDouble().fetch` is a
 * `(Request) => Promise<Response>` that answers the routes of docs/design.md's
 * Registry HTTP API (list, document with ETag/304, blobs, publish, yank,
 * healthz) from memory, for client and host tests that must not touch the
 * network. It is honest where clients depend on it: integrity is sha256 →
 * base64 over the stored bytes, blobs are content-addressed, errors are
 * `{ error: { code, message } }`, an aborted request rejects with the signal's
 * reason, and a request to another origin fails like a network error.
 *
 * Not the real server: a PUT body is not unpacked unless `unpack` is given;
 * by default the uploaded bytes become the bundle and the manifest is
 * `{ name, version, source: { mode: 'esm', path: 'index.js' } }`.
 */
import semver from 'semver';
import type { FetchLike } from '../../../src/core/ports.js';

/** A manifest as the double stores it: at least name and version. */
export type DoubleManifest = { name: string; version: string; [key: string]: unknown };

/** A version entry as the double serves it. */
export interface DoubleVersionEntry {
  manifest: DoubleManifest;
  dist: { integrity: string; size: number; url: string };
  publishedAt: string;
  yanked: boolean;
}

/** How `publish` files a version. */
export interface DoublePublishOptions {
  /** The dist-tag to point at the version; default `latest` (moved only forward); `false` for none. */
  tag?: string | false;
  yanked?: boolean;
  publishedAt?: string;
}

/** Options of createRegistryDouble. */
export interface RegistryDoubleOptions {
  /** Base URL the double answers on; default `http://registry.test`. */
  url?: string;
  /** When set, PUT/POST/DELETE need `Authorization: Bearer <token>`. */
  token?: string;
  /** Turns an uploaded `.plg` into its manifest and bundle (plug in the real unpacker). */
  unpack?: (bytes: Uint8Array) => Promise<{ manifest: DoubleManifest; bundle: Uint8Array }>;
}

/** A handler consulted before the routes; returning undefined falls through to them. */
export type Interceptor = (request: Request) => Response | undefined | Promise<Response | undefined>;

/** The double and the handles tests use to arrange and inspect it. */
export interface RegistryDouble {
  readonly url: string;
  readonly fetch: FetchLike;
  /** Stores a version directly, as a successful PUT would. */
  publish(manifest: DoubleManifest, bundle: Uint8Array | string, options?: DoublePublishOptions): Promise<DoubleVersionEntry>;
  /** Marks a version yanked (or not, with `yanked = false`). */
  yank(name: string, version: string, yanked?: boolean): void;
  /** Serves `document` verbatim at GET /v1/plugins/:name (use it for malformed answers). */
  setDocument(name: string, document: unknown): void;
  /** Registers an interceptor; returns a function that removes it. */
  intercept(handler: Interceptor): () => void;
  /** Every request received, in order (bodies already consumed). */
  readonly requests: Request[];
  /** Every accepted PUT: the raw body and the Authorization header. */
  readonly uploads: { name: string; version: string; bytes: Uint8Array; authorization: string | null }[];
}

/** Creates an empty in-memory registry. */
export function createRegistryDouble(options: RegistryDoubleOptions = {}): RegistryDouble {
  const base = new URL(options.url ?? 'http://registry.test');
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = base.origin + basePath;
  const documents = new Map<string, unknown>();
  const blobs = new Map<string, Uint8Array>();
  const interceptors: Interceptor[] = [];
  const requests: Request[] = [];
  const uploads: RegistryDouble['uploads'] = [];

  async function store(manifest: DoubleManifest, bundle: Uint8Array, opts: DoublePublishOptions = {}) {
    const bytes = bundle.slice();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    const path = `/v1/blobs/sha256/${hex}`;
    blobs.set(path, bytes);
    const now = opts.publishedAt ?? new Date().toISOString();
    const doc = (documents.get(manifest.name) as DoubleDocument | undefined) ?? {
      name: manifest.name,
      distTags: {},
      modified: now,
      versions: {},
    };
    const entry: DoubleVersionEntry = {
      manifest: structuredClone(manifest),
      dist: { integrity: `sha256-${base64(digest)}`, size: bundle.byteLength, url: path },
      publishedAt: now,
      yanked: opts.yanked ?? false,
    };
    doc.versions[manifest.version] = entry;
    doc.modified = now;
    const tag = opts.tag ?? 'latest';
    const current = tag === false ? undefined : doc.distTags[tag];
    if (tag !== false && (tag !== 'latest' || !current || semver.gt(manifest.version, current))) {
      doc.distTags[tag] = manifest.version;
    }
    documents.set(manifest.name, doc);
    return entry;
  }

  function entryOf(name: string, version: string): DoubleVersionEntry | undefined {
    return (documents.get(name) as DoubleDocument | undefined)?.versions?.[version];
  }

  async function route(request: Request): Promise<Response> {
    const target = new URL(request.url);
    if (target.origin !== base.origin || !target.pathname.startsWith(basePath)) {
      throw new TypeError(`fetch failed: no route to ${target.host}`);
    }
    const segments = target.pathname.slice(basePath.length).split('/').slice(1).map(decodeURIComponent);
    const method = request.method;
    const [v1, kind, name, version, action] = segments;
    if (segments.length === 1 && v1 === 'healthz') return json(200, { ok: true });
    if (v1 !== 'v1') return problem(404, 'not_found', `no route for ${target.pathname}`);

    if (kind === 'plugins' && name === undefined && method === 'GET') return list(target.searchParams);
    if (kind === 'plugins' && name !== undefined && version === undefined && method === 'GET') {
      return document(request, name);
    }
    if (kind === 'blobs' && segments.length === 4 && method === 'GET') {
      const bytes = blobs.get(target.pathname.slice(basePath.length));
      if (!bytes) return problem(404, 'not_found', `no blob at ${target.pathname}`);
      return new Response(bytes.slice(), {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(bytes.byteLength),
          'cache-control': 'public, max-age=31536000, immutable',
        },
      });
    }
    if (kind === 'plugins' && name !== undefined && version !== undefined) {
      const denied = authorize(request);
      if (denied) return denied;
      if (action === undefined && method === 'PUT') return put(request, name, version);
      if (action === 'yank' && (method === 'POST' || method === 'DELETE')) {
        const entry = entryOf(name, version);
        if (!entry) return problem(404, 'not_found', `${name}@${version} is not published`);
        entry.yanked = method === 'POST';
        return json(200, entry);
      }
    }
    return problem(405, 'method_not_allowed', `${method} ${target.pathname} is not supported`);
  }

  function authorize(request: Request): Response | undefined {
    if (options.token === undefined) return undefined;
    const header = request.headers.get('authorization');
    if (header === null) return problem(401, 'unauthorized', 'a bearer token is required');
    if (header !== `Bearer ${options.token}`) return problem(403, 'forbidden', 'this token may not publish here');
    return undefined;
  }

  async function put(request: Request, name: string, version: string): Promise<Response> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (entryOf(name, version)) return problem(409, 'version_exists', `${name}@${version} is already published`);
    const unpacked = options.unpack ? await options.unpack(bytes) : { manifest: { name, version, source: { mode: 'esm', path: 'index.js' } }, bundle: bytes };
    if (unpacked.manifest.name !== name || unpacked.manifest.version !== version) {
      return problem(400, 'manifest_mismatch', `the package holds ${unpacked.manifest.name}@${unpacked.manifest.version}`);
    }
    uploads.push({ name, version, bytes, authorization: request.headers.get('authorization') });
    return json(201, await store(unpacked.manifest, unpacked.bundle));
  }

  async function document(request: Request, name: string): Promise<Response> {
    const doc = documents.get(name);
    if (doc === undefined) return problem(404, 'not_found', `plugin "${name}" is not published`);
    const body = JSON.stringify(doc);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
    const etag = `"${base64(digest).slice(0, 22)}"`;
    const headers = { etag, 'cache-control': 'public, max-age=30' };
    const match = request.headers.get('if-none-match');
    if (match?.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(body, { headers: { ...headers, 'content-type': 'application/json' } });
  }

  function list(params: URLSearchParams): Response {
    const q = (params.get('q') ?? '').toLowerCase();
    const limit = Number(params.get('limit') ?? 20);
    const offset = Number(params.get('offset') ?? 0);
    const rows = [...documents.values()]
      .filter((doc): doc is DoubleDocument => typeof (doc as DoubleDocument)?.versions === 'object')
      .map((doc) => {
        const latest = doc.distTags.latest;
        const description = latest ? doc.versions[latest]?.manifest.description : undefined;
        return { name: doc.name, latest, modified: doc.modified, ...(typeof description === 'string' ? { description } : {}) };
      })
      .filter((row) => row.name.includes(q) || (row.description ?? '').toLowerCase().includes(q))
      .sort((a, b) => a.name.localeCompare(b.name));
    return json(200, { total: rows.length, plugins: rows.slice(offset, offset + limit) });
  }

  const fetch: FetchLike = async (input, init) => {
    const request = input instanceof Request && (init === undefined || Object.keys(init).length === 0) ? input : new Request(input, init);
    requests.push(request);
    const signal = request.signal;
    if (signal?.aborted) throw signal.reason;
    const work = (async () => {
      for (const handler of [...interceptors]) {
        const response = await handler(request);
        if (response) return response;
      }
      return route(request);
    })();
    if (!signal) return work;
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };

  return {
    url,
    fetch,
    publish: (manifest, bundle, opts) => store(manifest, typeof bundle === 'string' ? new TextEncoder().encode(bundle) : bundle, opts),
    yank(name, version, yanked = true) {
      const entry = entryOf(name, version);
      if (!entry) throw new Error(`registry double: ${name}@${version} is not published`);
      entry.yanked = yanked;
    },
    setDocument: (name, doc) => void documents.set(name, doc),
    intercept(handler) {
      interceptors.push(handler);
      return () => void interceptors.splice(interceptors.indexOf(handler) >>> 0, 1);
    },
    requests,
    uploads,
  };
}

interface DoubleDocument {
  name: string;
  distTags: Record<string, string>;
  modified: string;
  versions: Record<string, DoubleVersionEntry>;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function problem(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message } });
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
