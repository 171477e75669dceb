/**
 * `plughub serve [--port 4873] [--host 127.0.0.1] [--data ./plughub-data |
 * --storage postgres://…]`: runs the registry server on a data directory
 * (filesystem storage and token store) or a PostgreSQL database shared by
 * several servers, with optional upload limits and public URL. On an empty directory
 * it creates an admin token and prints it once, and a signing key (see
 * `plughub keys show`) — or takes the operator's (`--signing-key FILE`, a
 * key file of `plughub keys generate`) and identity (`--registry-id ID`);
 * both once the port is bound, so a busy port creates nothing, and the key
 * first, so a key that cannot be set up fails before a token is shown;
 * documents and lists are served signed to hosts that ask for envelopes.
 * Prints `listening on
 * http://HOST:PORT` (the real port with --port 0) and runs until SIGINT or
 * SIGTERM, then lets requests in flight finish and exits. `/metrics` answers
 * the registry's figures as Prometheus text (prom-client, an optional peer
 * like hono): open by default, `--metrics token` to need a token of the data
 * directory, `--no-metrics` (or `--metrics off`) to leave it out.
 */
import { resolve } from 'node:path';
import { ensureKeyring, createFsUploadSpool, serveNode, type RegistryLimits, type RegistryLogEntry } from '../../../../registry-server/index.js';
import { atMost, usageError } from '../args.js';
import { readSigningKeyFile } from '../author-signature.js';
import { KEYS_TTL_MS } from '../data-options.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { importOptionalPackages } from '../optional-packages.js';
import { parseCount, parseSize } from '../output.js';
import { isPostgresUrl, openRegistryStore, redactStorage, storageLocation } from '../registry-store.js';
import { terminalText } from '../terminal-text.js';

const usage = `usage: plughub serve [--port 4873] [--host 127.0.0.1] [--data ./plughub-data | --storage postgres://…]
                     [--max-package SIZE] [--max-file SIZE] [--max-unpacked SIZE] [--max-manifest SIZE]
                     [--uploads-per-token N] [--max-connections N]
                     [--max-connections-per-address N] [--public-url URL]
                     [--signing-key FILE] [--registry-id ID]
                     [--metrics open|token|off] [--no-metrics] [--no-pages]

Runs the plugin registry. Documents, blobs and tokens live in the data
directory (created if missing), which one server at a time writes, or in a
PostgreSQL database (--storage), which several servers may share. On an empty registry an admin token is created and printed once: keep it, only its
hash is stored. A signing key is created too (plughub keys show prints
it): hosts that trust it get signed metadata. Stop with Ctrl-C (SIGINT) or SIGTERM.

  --port PORT            port to listen on; 0 picks a free one (default 4873)
  --host HOST            address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --data DIR             the data directory (default ./plughub-data)
  --storage URL          a PostgreSQL database instead, postgres://user:password@host:port/db
                         (or PLUGHUB_STORAGE; needs the postgres package); its
                         schema is created or upgraded on start
  --max-package SIZE     largest compressed upload (default 10MB)
  --max-file SIZE        largest file in a package, unpacked (default 10MB)
  --max-unpacked SIZE    largest unpacked package (default 20MB)
  --max-manifest SIZE    largest plugin.json in a package (default 64KB)
  --uploads-per-token N  uploads one token may have in flight (default 4)
  --max-connections N    most connections open at once (default 1000, or
                         3/4 of the open-file limit when that is lower)
  --max-connections-per-address N
                         most connections from one address, an IPv6 /64
                         counting as one (default 64; behind a reverse proxy,
                         raise it to --max-connections)
  --public-url URL       the registry's external URL, for the Location of a publish
  --signing-key FILE     the Ed25519 key to sign with, as plughub keys generate
                         writes it, instead of a generated one (first start;
                         later it must be the key signing now)
  --registry-id ID       the registry identity signed into every document
                         (first start; default plughub:<keyid>; never changes)
  --metrics MODE         GET /metrics, Prometheus text (needs prom-client):
                         open (default), token (any valid token of the data
                         directory, as Authorization: Bearer), or off
  --no-metrics           the same as --metrics off
  --no-pages             serve no web pages (search, plugin pages) at /, only the
                         API; with pages (the default) marked and sanitize-html
                         render READMEs and must be installed
`;

type MetricsMode = 'open' | 'token' | 'off';

/**
 * The registry's request handler, which needs hono, with metrics on the
 * exposition, which needs prom-client, and with pages the README renderer
 * and sanitizer (marked, sanitize-html): loaded when the command runs, so
 * that the other commands do not.
 */
async function loadRegistry(metrics: MetricsMode, postgres: boolean, pages: boolean) {
  const packages = [
    ...(['hono'] as const),
    ...(metrics === 'off' ? [] : (['prom-client'] as const)),
    ...(pages ? (['marked', 'sanitize-html'] as const) : []),
    ...(postgres ? (['postgres'] as const) : []),
  ];
  await importOptionalPackages('plughub serve', packages);
  const { createRegistry } = await import('../../../../registry-server/registry.js');
  const { withMetricsRoute } = await import('../../../../registry-server/node/metrics-route.js');
  const prometheus = metrics === 'off' ? undefined : await import('../../metrics/prometheus.js');
  return { createRegistry, withMetricsRoute, prometheus };
}

function metricsMode(values: { metrics?: string; 'no-metrics'?: boolean }): MetricsMode {
  if (values['no-metrics'] === true) {
    if (values.metrics !== undefined && values.metrics !== 'off')
      throw usageError('serve', `--no-metrics and --metrics ${values.metrics} contradict each other`);
    return 'off';
  }
  const mode = values.metrics ?? 'open';
  if (mode !== 'open' && mode !== 'token' && mode !== 'off') throw usageError('serve', `--metrics must be open, token or off, not "${mode}"`);
  return mode;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw usageError('serve', `--port must be a number from 0 to 65535, not "${text}"`);
  return port;
}

function limitsFrom(values: { 'max-package'?: string; 'max-file'?: string; 'max-unpacked'?: string; 'max-manifest'?: string }): Partial<RegistryLimits> {
  const limits: Partial<RegistryLimits> = {};
  const options = [
    ['max-package', 'maxPackageBytes'],
    ['max-file', 'maxFileBytes'],
    ['max-unpacked', 'maxUnpackedBytes'],
    ['max-manifest', 'maxManifestBytes'],
  ] as const;
  for (const [option, key] of options) {
    const text = values[option];
    if (text === undefined) continue;
    const bytes = parseSize(text, `--${option}`);
    if (bytes <= 0) throw usageError('serve', `--${option} must be more than 0 bytes`);
    limits[key] = bytes;
  }
  return limits;
}

function logger(io: CliIO): (entry: RegistryLogEntry) => void {
  return (entry) => {
    const detail = entry.level === 'error' && entry.error instanceof Error && entry.error.stack ? `\n${entry.error.stack}` : '';
    io.stderr.write(`${terminalText(redactStorage(`${new Date().toISOString()} ${entry.level} ${entry.message}${detail}`))}\n`);
  };
}

/** `stopped` resolves on the first SIGINT or SIGTERM; `cancel` removes the listeners (a start that failed). */
function untilStopped(): { stopped: Promise<string>; cancel(): void } {
  let cancel = () => {};
  const stopped = new Promise<string>((done) => {
    const stop = (signal: string) => {
      cancel();
      done(signal);
    };
    cancel = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { stopped, cancel };
}

/** What requests wait on until the server is set up: `open(true)` lets them through, `open(false)` (a failed start) answers 503. */
function gate(): { ready: Promise<boolean>; open(started: boolean): void } {
  let open: (started: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    open = resolve;
  });
  return { ready, open };
}

/** The answer to a request that arrived while a start failed. */
function notStarted(): Response {
  const body = { error: { code: 'E_UNAVAILABLE', message: 'the registry failed to start' } };
  return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}

/** The `serve` command. */
export const serve: Command = {
  name: 'serve',
  summary: 'run a plugin registry server',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('serve', argv, {
      port: { type: 'string', default: '4873' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      storage: { type: 'string' },
      'max-package': { type: 'string' },
      'max-file': { type: 'string' },
      'max-unpacked': { type: 'string' },
      'max-manifest': { type: 'string' },
      'uploads-per-token': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'public-url': { type: 'string' },
      'signing-key': { type: 'string' },
      'registry-id': { type: 'string' },
      metrics: { type: 'string' },
      'no-metrics': { type: 'boolean' },
      'no-pages': { type: 'boolean' },
    });
    atMost('serve', positionals, 0);
    const metrics = metricsMode(values);
    const location = storageLocation('serve', values, io);
    const pages = values['no-pages'] !== true;
    const { createRegistry, withMetricsRoute, prometheus } = await loadRegistry(metrics, isPostgresUrl(location), pages);
    const port = parsePort(values.port);
    const limits = limitsFrom(values);
    const perToken = values['uploads-per-token'] === undefined ? undefined : parseCount(values['uploads-per-token'], '--uploads-per-token', { min: 1 });
    const maxConnections = values['max-connections'] === undefined ? undefined : parseCount(values['max-connections'], '--max-connections', { min: 1 });
    const perAddress = values['max-connections-per-address'];
    const maxConnectionsPerAddress = perAddress === undefined ? undefined : parseCount(perAddress, '--max-connections-per-address', { min: 1 });
    const publicUrl = values['public-url'];
    if (publicUrl !== undefined && !/^https?:\/\/[^/]/.test(publicUrl)) throw usageError('serve', `--public-url must be an http(s) URL, not "${publicUrl}"`);
    const registryId = values['registry-id'];
    if (registryId !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(registryId)) {
      throw usageError('serve', `--registry-id must be 1 to 200 printable ASCII characters, not ${JSON.stringify(registryId)}`);
    }
    const key = values['signing-key'] === undefined ? undefined : await readSigningKeyFile(resolve(io.cwd, values['signing-key']));
    const log = logger(io);
    const store = await openRegistryStore('plughub serve', location, log);
    const { storage, tokens, signing: trust, where: directory } = store;
    const { stopped, cancel } = untilStopped();
    try {
      await storage.check();
      const uploads = perToken === undefined ? {} : { uploads: { perToken } };
      const uploadSpool = createFsUploadSpool();
      const signing = { store: trust };
      const registry = createRegistry({
        storage,
        tokens,
        limits,
        signing,
        log,
        uploadSpool,
        pages,
        ...uploads,
        ...(publicUrl !== undefined ? { publicUrl } : {}),
      });
      const handler =
        prometheus === undefined
          ? registry
          : withMetricsRoute(registry, {
              exposition: prometheus.createPrometheusExposition([() => registry.metrics()], { processMetrics: true }),
              ...(metrics === 'token' ? { tokens } : {}),
            });
      // Bind first: a busy port must fail before a token that is shown only once, or a key, is created.
      const setup = gate();
      const server = await serveNode(
        { fetch: async (request) => ((await setup.ready) ? handler.fetch(request) : notStarted()) },
        {
          port,
          host: values.host,
          log,
          ...(maxConnections === undefined ? {} : { maxConnections }),
          ...(maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress }),
        },
      );
      try {
        const hadKeys = (await trust.readKeyring()) !== undefined;
        const keys = {
          ttlMs: KEYS_TTL_MS,
          now: Date.now(),
          ...(key !== undefined ? { key } : {}),
          ...(registryId !== undefined ? { registry: registryId } : {}),
        };
        const { keyring } = await ensureKeyring(trust, keys).catch((error: Error) => {
          throw new Error(`${directory}: ${error.message}`, { cause: error });
        });
        // The token last: a key that cannot be set up fails the start before a token is shown.
        const first = await tokens.createFirst({ admin: true, publish: [] });
        if (first !== undefined) {
          io.stdout.write(`created admin token ${first.info.id} for ${directory} (shown only this once):\n${first.token}\n`);
        }
        if (!hadKeys) io.stdout.write(`created signing key ${keyring.active.join(', ')} for ${directory} (registry ${keyring.registry})\n`);
        setup.open(true);
      } catch (error) {
        setup.open(false);
        await server.close();
        throw error;
      }
      io.stdout.write(`listening on ${server.url}\n`);
      const signal = await stopped;
      io.stderr.write(`${signal}: closing the server\n`);
      await server.close();
      await registry.close();
    } finally {
      cancel();
      await store.close();
    }
    return 0;
  },
};
