/**
 * The registry HTTP client (docs/design.md, "Registry HTTP API"), with an
 * injectable `fetch` (GETs through fetch itself, writes through ky). Documents are conditional (ETag / 304), size-limited
 * and validated; blobs stream with a byte limit enforced mid-stream; publish
 * and yank carry a bearer token; they never follow a redirect (RedirectError),
 * and their answer must be the version entry they changed, in the state
 * asked for. Only GET is retried (network errors, 408,
 * 429, 5xx, with backoff); PUT/POST/DELETE never are. Every failure is a
 * RegistryError naming method, URL, status and the server's error code, except
 * that a caller's abort rejects with the caller's `signal.reason` unchanged.
 * A document answer (200 or 304) says how long it stays fresh (`freshMs`,
 * freshness.ts), from its Cache-Control.
 * With `signed` (a host with trustedKeys), documents and lists are asked for
 * as signed envelopes (docs/design.md, "Trust"); an envelope is recognised by its
 * `payloadType` and `payload` whatever was asked, and answered as the
 * document it carries plus the envelope, which the caller verifies (or
 * checks first with the `verify` hook of getDocument and list). A signed
 * list may come in pages (list.ts): list() follows them, hands each
 * page's envelope to `verify` and joins their rows; `envelope` is then the
 * first page's and `envelopes` holds every page's, so a caller that checks
 * after the fact must check them all (or pass `verify`).
 * The exchange itself (retries, timeout, body limits, error mapping, envelope
 * unwrapping) is in transport.ts, URL handling in urls.ts,
 * and the public types in types.ts, re-exported here.
 */
import { parsePluginDocument, parsePluginList, versionEntrySchema } from './document.js';
import { DocumentError } from '../errors/index.js';
import { createRegistryTransport, discard, readBody, unwrap, type Call } from './transport.js';
import type { DocumentResult, RegistryClient, RegistryClientOptions } from './types.js';
import { encodeName, normalizeBase, resolveBlobUrl } from './urls.js';
import { freshnessMs } from './freshness.js';
import { readSignedList } from './list.js';
import { ENVELOPE_MEDIA_TYPE, isEnvelope } from '../trust/index.js';
import { englishMessage } from '../zod.js';

export type {
  DocumentResult,
  DownloadOptions,
  GetDocumentOptions,
  ListOptions,
  ListResult,
  PackageBody,
  RegistryClient,
  RegistryClientOptions,
} from './types.js';

const MiB = 1024 * 1024;

/**
 * Creates a client for the registry at `options.url`.
 * @example
 * const registry = createRegistryClient({ url: 'http://127.0.0.1:4873' });
 * const answer = await registry.getDocument('hello', { etag: cached?.etag });
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = normalizeBase(options.url);
  const origin = new URL(base).origin;
  const { send, readJson } = createRegistryTransport(options, origin);

  const accept = (signed: boolean | undefined) => ((signed ?? options.signed) ? ENVELOPE_MEDIA_TYPE : 'application/json');

  const client: RegistryClient = {
    url: base,
    documentUrl: (name) => `${base}/v1/plugins/${encodeName(name)}`,
    blobUrl: (dist) => resolveBlobUrl(base, dist.url),

    getDocument(name, opts = {}) {
      const call: Call = {
        method: 'GET',
        url: client.documentUrl(name),
        signal: opts.signal,
        plugin: name,
        ...(opts.retry !== undefined ? { retry: opts.retry } : {}),
      };
      call.headers = { accept: accept(opts.signed), ...(opts.etag ? { 'if-none-match': opts.etag } : {}) };
      return send(call, async (response, signal): Promise<DocumentResult> => {
        if (response.status === 304) {
          discard(response);
          return { status: 304, url: call.url, freshMs: freshnessMs(response.headers) };
        }
        const json = await readJson(call, response, signal);
        await opts.verify?.(isEnvelope(json) ? json : undefined, call.url);
        const { body, envelope } = unwrap(call, json);
        const inner = envelope ? (body as { document?: unknown } | null)?.document : body;
        const document = parsePluginDocument(inner, name, { url: call.url });
        const etag = response.headers.get('etag') ?? undefined;
        return { status: 200, document, etag, url: call.url, freshMs: freshnessMs(response.headers), ...(envelope ? { envelope } : {}) };
      });
    },

    async list(opts = {}) {
      const url = new URL(`${base}/v1/plugins`);
      if (opts.q !== undefined) url.searchParams.set('q', opts.q);
      if (opts.limit !== undefined) url.searchParams.set('limit', String(opts.limit));
      if (opts.offset !== undefined) url.searchParams.set('offset', String(opts.offset));
      const first: Call = { method: 'GET', url: url.href, signal: opts.signal, headers: { accept: accept(opts.signed) } };
      const readPage = (call: Call) =>
        send(call, async (response, signal) => {
          const json = await readJson(call, response, signal);
          await opts.verify?.(isEnvelope(json) ? json : undefined, call.url);
          return unwrap(call, json);
        });
      const answer = await readPage(first);
      if (!answer.envelope) return parsePluginList(answer.body, { url: first.url });
      const pageUrl = (page: number) => `${base}/v1/list/${page}`;
      const { plugins: all, envelopes } = await readSignedList(
        answer,
        first.url,
        pageUrl,
        (page) => readPage({ method: 'GET', url: pageUrl(page), signal: opts.signal, headers: { accept: ENVELOPE_MEDIA_TYPE } }),
        () => readPage(first),
      );
      const q = (opts.q ?? '').trim().toLowerCase(); // as the server does (routes/read.ts)
      const found = all.filter((row) => row.name.toLowerCase().includes(q) || (row.description ?? '').toLowerCase().includes(q));
      const offset = opts.offset ?? 0;
      const plugins = found.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
      return { total: found.length, plugins, envelope: envelopes[0]!, ...(envelopes.length > 1 ? { envelopes } : {}) };
    },

    keys(version, opts = {}) {
      const url = `${base}/v1/keys${version === undefined ? '' : `/${version}`}`;
      const call: Call = { method: 'GET', url, signal: opts.signal, headers: { accept: ENVELOPE_MEDIA_TYPE } };
      return send(call, (response, signal) => readJson(call, response, signal));
    },

    download(dist, opts = {}) {
      const call: Call = { method: 'GET', url: client.blobUrl(dist), signal: opts.signal, plugin: opts.plugin, version: opts.version };
      if (opts.plugin !== undefined) call.prefix = opts.version === undefined ? opts.plugin : `${opts.plugin}@${opts.version}`;
      const limit = opts.maxBytes ?? dist.size ?? 64 * MiB;
      return send(call, (response, signal) => readBody(call, response, signal, limit, opts.onProgress, dist.size));
    },

    publish(name, version, body, opts = {}) {
      const url = `${client.documentUrl(name)}/${encodeURIComponent(version)}`;
      const call: Call = { method: 'PUT', url, signal: opts.signal, body: body as BodyInit, token: opts.token, plugin: name, version };
      call.headers = { 'content-type': 'application/gzip', accept: 'application/json' };
      return send(call, async (response, signal) => {
        const parsed = versionEntrySchema.safeParse(await readJson(call, response, signal), { error: englishMessage });
        const entry = parsed.success ? parsed.data : undefined;
        if (!entry || entry.manifest.name !== name || entry.manifest.version !== version) {
          const problem = parsed.success ? `it describes ${entry?.manifest.name}@${entry?.manifest.version}` : issues(parsed.error);
          throw new DocumentError(`${name}@${version}: PUT ${url} answered with an unusable version entry (${problem})`, {
            url,
            plugin: name,
            version,
          });
        }
        return entry;
      });
    },

    yank(name, version, opts = {}) {
      const url = `${client.documentUrl(name)}/${encodeURIComponent(version)}/yank`;
      const method = opts.undo ? 'DELETE' : 'POST';
      const call: Call = { method, url, signal: opts.signal, token: opts.token, plugin: name, version, headers: { accept: 'application/json' } };
      const yanked = !opts.undo;
      return send(call, async (response, signal) => {
        const parsed = versionEntrySchema.safeParse(await readJson(call, response, signal), { error: englishMessage });
        const entry = parsed.success ? parsed.data : undefined;
        if (!entry || entry.manifest.name !== name || entry.manifest.version !== version || entry.yanked !== yanked) {
          const found = !parsed.success
            ? `not a version entry (${issues(parsed.error)})`
            : `${entry?.manifest.name}@${entry?.manifest.version} with yanked: ${String(entry?.yanked)}`;
          throw new DocumentError(
            `${name}@${version}: ${method} ${url} answered ${response.status} but not with the version entry the ${yanked ? 'yank' : 'un-yank'} ` +
              `should leave (expected ${name}@${version} with yanked: ${yanked}, found ${found}); the ${yanked ? 'yank' : 'un-yank'} may not have happened`,
            { url, plugin: name, version },
          );
        }
        return entry;
      });
    },
  };
  return client;
}

/** A zod error as one short line: `path: message; …` (its own message is pretty-printed JSON). */
function issues(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');
}
