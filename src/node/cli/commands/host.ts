/**
 * `plughub host`: the plugin host service, a long-running process that loads
 * a plugin directory (`--dir`, kept in step with it by `--watch`) and/or
 * registry plugins (`--load name@range`) and serves the routes their
 * plugin.json declares (`http_services`) on a port. The configuration may
 * come from a file (`--config plughub.host.json`), each flag overriding its
 * field. Access logs go to stdout (or `--access-log FILE`) in the Combined
 * Log Format; what the service does goes to stderr. SIGTERM or SIGINT stops
 * it gracefully (requests in flight finish within `--grace`, plugins are
 * deactivated, exit 0); a second signal exits at once. The management API
 * (`/api/v1`) takes its tokens from `--api-tokens DIR` (a directory that
 * `plughub token --data DIR` manages), `--api-read token` protects reads
 * too, and `--api-allow-load-from DIR` lets it load local plugins from DIR.
 */
import { resolve } from 'node:path';
import { atMost, usageError } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { importOptionalPackages } from '../optional-packages.js';
import { terminalText } from '../terminal-text.js';
import { HOST_DEFAULTS, parseDuration, readHostConfig, resolveHostConfig, type HostFlags } from '../../host-service/config.js';
import { watchStopSignals } from '../../host-service/shutdown.js';

const usage = `usage: plughub host [--dir DIR [--watch]] [--registry URL --load NAME@RANGE ...]
                    [--port ${HOST_DEFAULTS.port}] [--listen ${HOST_DEFAULTS.listen}] [--grace 10s]
                    [--access-log FILE] [--no-metrics] [--cache-dir DIR] [--isolation worker]
                    [--max-body-bytes N] [--no-watch]
                    [--api-tokens DIR] [--api-read open|token]
                    [--api-allow-load-from DIR ...]
                    [--config plughub.host.json]

Runs the plugin host service: loads plugins and serves the HTTP routes their
plugin.json declares (http_services) on a port; a request no route matches
gets 404, a wrong method 405. Access logs (Combined Log Format) go to stdout,
everything else to stderr. Stop with Ctrl-C (SIGINT) or SIGTERM: requests in
flight finish within the grace period, then plugins are deactivated; a
second signal exits at once. GET /metrics answers the host's metrics as
Prometheus text (loads, failures, calls, routes, workers; needs prom-client).

  --dir DIR            a plugin directory: folders with plugin.json, .plg files
  --watch              keep serving the directory as it changes: new plugins
                       load, changed ones are swapped in, removed ones unload
  --no-watch           do not, though the configuration file says "watch": true
  --registry URL       the registry for --load (default: $PLUGHUB_REGISTRY)
  --load NAME@RANGE    a registry plugin to serve (repeatable)
  --port PORT          port to listen on; 0 picks a free one (default ${HOST_DEFAULTS.port})
  --listen ADDRESS     address to listen on (default ${HOST_DEFAULTS.listen}; 0.0.0.0 for all)
  --grace DURATION     how long a stop waits for requests in flight, such as
                       10s, 500ms or 1m (default 10s)
  --access-log FILE    append access logs to FILE instead of stdout
  --no-metrics         do not serve /metrics (the file's "metrics": false);
                       then prom-client is not needed
  --cache-dir DIR      the cache (default: $PLUGHUB_CACHE_DIR, else ~/.cache/plughub)
  --isolation worker   run each plugin in a worker thread of its own (default
                       none: in the service's thread)
  --max-body-bytes N   the largest request body a plugin route is given; 413
                       past it (default 10485760, 10 MiB)
  --api-tokens DIR     the management API's token directory (plughub token
                       create --admin --data DIR makes one); every change
                       through /api/v1 needs an admin token of it
  --api-read MODE      open (default): reads of /api/v1 need no token;
                       token: they need one of the token directory
  --api-allow-load-from DIR
                       a directory under which the API may load local
                       plugins (repeatable; none by default)
  --config FILE        read the configuration from a JSON file (fields dir,
                       watch, registry, load, port, listen, grace, accessLog,
                       cacheDir, isolation, maxBodyBytes, api); flags override its fields

The management API (/api/v1) is on when the service listens on a loopback
address, or elsewhere when a token directory is given; otherwise it is off
(403) and the service says so at start.
`;

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw usageError('host', `--port must be a number from 0 to 65535, not "${text}"`);
  return port;
}

function parseGrace(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw usageError('host', `--grace must be a duration such as 10s, 500ms or 1m, not "${text}"`);
  return ms;
}

function parseMaxBodyBytes(text: string): number {
  const bytes = Number(text);
  if (!/^\d{1,10}$/.test(text) || bytes > 1024 * 1024 * 1024) {
    throw usageError('host', `--max-body-bytes must be a number of bytes from 0 to 1073741824 (1 GiB), not "${text}"`);
  }
  return bytes;
}

function parseReadAccess(text: string | undefined): 'open' | 'token' | undefined {
  if (text === undefined || text === 'open' || text === 'token') return text;
  throw usageError('host', `--api-read must be open or token, not "${text}"`);
}

function parseIsolation(text: string | undefined): 'none' | 'worker' | undefined {
  if (text === undefined || text === 'none' || text === 'worker') return text;
  throw usageError('host', `--isolation must be none or worker, not "${text}"`);
}

/** The service module, which needs hono (and prom-client for /metrics): loaded when the command runs, so that the other commands do not. */
async function loadService(metrics: boolean): Promise<typeof import('../../host-service/serve.js')> {
  if (metrics) await importOptionalPackages('plughub host', ['hono', 'prom-client']);
  else await importOptionalPackages('plughub host', ['hono']);
  return import('../../host-service/serve.js');
}

/** The `host` command. */
export const host: Command = {
  name: 'host',
  summary: 'serve the HTTP routes of plugins (the plugin host service)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('host', argv, {
      dir: { type: 'string' },
      watch: { type: 'boolean' },
      'no-watch': { type: 'boolean' },
      'no-metrics': { type: 'boolean' },
      'max-body-bytes': { type: 'string' },
      registry: { type: 'string' },
      load: { type: 'string', multiple: true },
      port: { type: 'string' },
      listen: { type: 'string' },
      grace: { type: 'string' },
      'access-log': { type: 'string' },
      'cache-dir': { type: 'string' },
      config: { type: 'string' },
      isolation: { type: 'string' },
      'api-tokens': { type: 'string' },
      'api-read': { type: 'string' },
      'api-allow-load-from': { type: 'string', multiple: true },
    });
    atMost('host', positionals, 0);
    const flags: HostFlags = {
      dir: values.dir,
      watch: values['no-watch'] === true ? false : values.watch,
      registry: values.registry?.trim() || undefined,
      load: values.load,
      port: values.port === undefined ? undefined : parsePort(values.port),
      listen: values.listen,
      graceMs: values.grace === undefined ? undefined : parseGrace(values.grace),
      accessLog: values['access-log'],
      metrics: values['no-metrics'] === true ? false : undefined,
      cacheDir: values['cache-dir'],
      isolation: parseIsolation(values.isolation),
      maxBodyBytes: values['max-body-bytes'] === undefined ? undefined : parseMaxBodyBytes(values['max-body-bytes']),
      apiTokens: values['api-tokens'],
      apiReadAccess: parseReadAccess(values['api-read']),
      apiAllowLoadFrom: values['api-allow-load-from'],
    };
    if (values.watch === true && values['no-watch'] === true) throw usageError('host', '--watch and --no-watch contradict each other');
    const configPath = values.config === undefined ? undefined : resolve(io.cwd, values.config);
    const file = configPath === undefined ? undefined : { path: configPath, config: await readHostConfig(configPath) };
    const config = resolveHostConfig(flags, file, io.cwd);
    const { startHostService } = await loadService(config.metrics !== false);
    const log = (line: string) => io.stderr.write(`${terminalText(`${new Date().toISOString()} ${line}`)}\n`);
    const signals = watchStopSignals((signal, code) => {
      log(`${signal} again: exiting now`);
      process.exit(code);
    });
    try {
      const service = await startHostService(config, {
        log: { info: log, error: log },
        accessLogStream: io.stdout,
        env: io.env,
      });
      io.stdout.write(`listening on ${service.url}\n`);
      const signal = await signals.stopped;
      log(`${signal}: closing (requests in flight have ${config.graceMs} ms to finish)`);
      await service.close();
      log('closed');
    } finally {
      signals.cancel();
    }
    return 0;
  },
};
