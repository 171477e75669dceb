/**
 * nginx for tests: the example configuration (examples/nginx/plughub.conf)
 * rendered for a temp prefix, a free port and the test's servers, run in the
 * foreground (`nginx -p PREFIX -c CONF -g 'daemon off; …'`), ready once a
 * request through it succeeds, and stopped with SIGQUIT (awaited). Tests that
 * need it skip with `nginxMissing` as their message when it is not installed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Debian installs nginx. */
export const NGINX = '/usr/sbin/nginx';

/** The documented configuration the tests run. */
export const NGINX_EXAMPLE = fileURLToPath(new URL('../../examples/nginx/plughub.conf', import.meta.url));

/** Why nginx cannot run here, or undefined when it can. */
export const nginxMissing: string | undefined = (() => {
  try {
    accessSync(NGINX, constants.X_OK);
    return undefined;
  } catch {
    return `nginx is not installed (${NGINX}; Debian package nginx)`;
  }
})();

/** A running nginx. */
export interface RunningNginx {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The configuration it runs. */
  config: string;
  /** Everything nginx wrote to its error log and stderr so far. */
  errors(): string;
  /** The access log so far (the example's `plughub` format: address, request, status, cache status, upstream). */
  accessLog(): string;
  /** Stops it gracefully (SIGQUIT) and removes its prefix. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  if (!pattern.test(text)) throw new Error(`${NGINX_EXAMPLE} has no ${what} to replace (${pattern})`);
  return text.replace(pattern, replacement);
}

/**
 * The example configuration with its listen port, cache folder, log folder and upstream
 * servers replaced (each must be found: a changed example fails here rather
 * than running something else).
 */
export function renderNginxConfig(options: { port: number; cacheDirectory: string; logDirectory: string; servers: readonly string[] }): string {
  let text = readFileSync(NGINX_EXAMPLE, 'utf8');
  text = replaceOnce(text, /^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${options.port};`, 'listen 8080');
  text = replaceOnce(text, /proxy_cache_path \/var\/cache\/nginx\/plughub /, `proxy_cache_path ${options.cacheDirectory} `, 'proxy_cache_path');
  text = replaceOnce(text, /access_log \/var\/log\/nginx\//, `access_log ${options.logDirectory}/`, 'access_log');
  const hosts = options.servers.map((url) => new URL(url).host);
  text = replaceOnce(
    text,
    /^(\s*)server 127\.0\.0\.1:4874 (.*);\n(?:\s*server 127\.0\.0\.1:487\d .*;\n)*/m,
    hosts.map((host) => `$1server ${host} $2;\n`).join(''),
    'upstream servers',
  );
  return text;
}

/** Resolves once `url` answers (any status but a 502/503/504 of nginx itself), rejecting after `timeoutMs`. */
async function awaitAnswer(url: string, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (gone) throw new Error('nginx exited before answering');
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status < 502) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`nginx did not answer ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Starts nginx with the example configuration in front of `servers` (base URLs); ready once `/healthz` answers through it. */
export async function startNginx(servers: readonly string[]): Promise<RunningNginx> {
  if (nginxMissing !== undefined) throw new Error(nginxMissing);
  const prefix = await mkdtemp(join(tmpdir(), 'plughub-nginx-'));
  await mkdir(join(prefix, 'logs'));
  const port = await freePort();
  const config = renderNginxConfig({ port, cacheDirectory: join(prefix, 'cache'), logDirectory: join(prefix, 'logs'), servers });
  const configFile = join(prefix, 'nginx.conf');
  await writeFile(configFile, config);
  const errorLog = join(prefix, 'logs', 'error.log');
  // As root, workers would run as nobody, who cannot enter the temp prefix.
  const user = process.getuid?.() === 0 ? 'user root; ' : '';
  const global = `${user}daemon off; pid ${join(prefix, 'nginx.pid')}; error_log ${errorLog} warn;`;
  const child = spawn(NGINX, ['-p', prefix, '-c', configFile, '-e', errorLog, '-g', global], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const readLog = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const errors = () => `${stderr}${readLog(errorLog)}`;
  const accessLog = () => readLog(join(prefix, 'logs', 'plughub-access.log'));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      await exited;
    }
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    await awaitAnswer(`${url}/healthz`, exited, 10_000);
  } catch (error) {
    const text = errors();
    await stop();
    throw new Error(`${(error as Error).message}:\n${text}`);
  }
  return { url, config, errors, accessLog, stop };
}
