/**
 * The configuration of `plughub host`: what it loads (a plugin directory,
 * watched or not, and registry plugins), where it listens, how long a
 * shutdown waits for requests in flight, and where access logs go. It comes
 * from a JSON file (`plughub.host.json`, validated with zod/mini: every
 * problem is reported with the file and its JSON path) and from flags, a flag
 * overriding the file's field. Paths in the file are relative to the file's
 * folder; paths in flags to the working directory. The `api` part configures
 * the management API (`/api/v1`): its token directory, whether reads need a
 * token, and the directories a local plugin may be loaded from.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import * as z from 'zod/mini';
import { PlughubError, registerErrorName } from '../../core/errors/index.js';
import { englishMessage } from '../../core/zod.js';

/** The configuration file is missing, unreadable, not JSON or invalid; the message names the file and each field at fault. */
export class HostConfigError extends PlughubError {
  override name = 'HostConfigError';
  /** The configuration file, or undefined for a problem with the flags. */
  readonly file: string | undefined;
  constructor(message: string, file: string | undefined, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause }, 'E_HOST_CONFIG');
    this.file = file;
  }
}
registerErrorName('HostConfigError');

/** The highest `maxBodyBytes` a configuration may set (1 GiB): bodies are held in memory. */
const MAX_BODY_BYTES_CEILING = 1024 * 1024 * 1024;

/** The largest configuration file read. */
const MAX_CONFIG_BYTES = 64 * 1024;
const DURATION = /^(\d{1,9})(ms|s|m)$/;

const durationSchema = z.string().check(z.regex(DURATION, 'must be a duration such as "10s", "500ms" or "1m"'));

/** The `api` part of plughub.host.json: the management API's tokens, read access and the directories local plugins may be loaded from. */
const apiSchema = z.strictObject({
  tokens: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
  readAccess: z.optional(z.enum(['open', 'token'])),
  allowLoadFrom: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(4096))).check(z.maxLength(100))),
});

/** The schema of plughub.host.json. Unknown fields are refused (a typo must not pass silently). */
export const hostConfigSchema = z.strictObject({
  dir: z.optional(z.string().check(z.minLength(1))),
  watch: z.optional(z.boolean()),
  registry: z.optional(z.url({ protocol: /^https?$/ })),
  load: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(300))).check(z.maxLength(1000))),
  port: z.optional(z.int().check(z.minimum(0), z.maximum(65535))),
  listen: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  grace: z.optional(durationSchema),
  accessLog: z.optional(z.string().check(z.minLength(1))),
  metrics: z.optional(z.boolean()),
  cacheDir: z.optional(z.string().check(z.minLength(1))),
  isolation: z.optional(z.enum(['none', 'worker'])),
  maxBodyBytes: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_BODY_BYTES_CEILING))),
  api: z.optional(apiSchema),
});

/** The fields of plughub.host.json as written. */
export type HostConfigFile = z.output<typeof hostConfigSchema>;

/** The resolved configuration: every path absolute, every default filled in. */
export interface HostConfig {
  /** The plugin directory, or undefined when only registry plugins are served. */
  dir: string | undefined;
  watch: boolean;
  registry: string | undefined;
  /** Registry specs (`name@range`) to load. */
  load: string[];
  port: number;
  listen: string;
  /** How long a shutdown lets requests in flight finish before aborting them. */
  graceMs: number;
  /** The access log file, or undefined for stdout. */
  accessLog: string | undefined;
  /** Whether `/metrics` serves the host's metrics as Prometheus text (true, or left out; false turns it off). It needs prom-client. */
  metrics?: boolean;
  cacheDir: string | undefined;
  /** Where plugins run: in the service's thread (`none`) or each in a worker thread of its own. */
  isolation: 'none' | 'worker';
  /** The largest request body a plugin route is given, and that crosses to or from a worker (413 past it). */
  maxBodyBytes: number;
  /** The management API's configuration (absent: the defaults of ApiConfig). */
  api?: ApiConfig;
}

/** The management API's configuration (`api` in plughub.host.json, `--api-*` flags). */
export interface ApiConfig {
  /**
   * The token directory (the one `plughub token --data DIR` manages, holding
   * `tokens.json`), or undefined for none: then every change is refused, and
   * on an address other than loopback the API is off.
   */
  tokens: string | undefined;
  /** Whether reads need a token too (`token`) or not (`open`, the default). */
  readAccess: 'open' | 'token';
  /** Directories (absolute) under which `POST /api/v1/plugins {path}` may load a local plugin; none by default. */
  allowLoadFrom: string[];
}

/** The defaults of the fields a configuration may leave out. */
export const HOST_DEFAULTS = { port: 8080, listen: '127.0.0.1', graceMs: 10_000, maxBodyBytes: 10 * 1024 * 1024 } as const;

/** Milliseconds of a duration such as `10s`, `500ms` or `1m`, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  const amount = Number(match[1]);
  return match[2] === 'ms' ? amount : match[2] === 's' ? amount * 1000 : amount * 60_000;
}

/** `dir` / `load[2]`: a JSON path for a message. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out.length === 0 ? String(key) : `.${String(key)}`;
  return out.length === 0 ? '(root)' : out;
}

/** Validates the parsed JSON of a configuration file; throws HostConfigError listing every issue with its JSON path. */
export function parseHostConfig(input: unknown, file: string): HostConfigFile {
  const result = hostConfigSchema.safeParse(input, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`
        : englishMessage(issue),
  });
  if (result.success) return result.data;
  const list = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
  throw new HostConfigError(`${file} is invalid: ${list}`, file);
}

/** Reads and validates a configuration file (at most 64 KiB of JSON). */
export async function readHostConfig(file: string): Promise<HostConfigFile> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.byteLength > MAX_CONFIG_BYTES) throw new HostConfigError(`${file} is larger than ${MAX_CONFIG_BYTES} bytes`, file);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof HostConfigError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new HostConfigError(`cannot read ${file}: ${reason}`, file, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HostConfigError(`${file} is not valid JSON: ${(error as Error).message}`, file, error);
  }
  return parseHostConfig(json, file);
}

/** The flags of `plughub host`, as parsed (undefined when not given). */
export interface HostFlags {
  dir?: string | undefined;
  watch?: boolean | undefined;
  registry?: string | undefined;
  load?: string[] | undefined;
  port?: number | undefined;
  listen?: string | undefined;
  graceMs?: number | undefined;
  accessLog?: string | undefined;
  metrics?: boolean | undefined;
  cacheDir?: string | undefined;
  isolation?: 'none' | 'worker' | undefined;
  maxBodyBytes?: number | undefined;
  apiTokens?: string | undefined;
  apiReadAccess?: 'open' | 'token' | undefined;
  apiAllowLoadFrom?: string[] | undefined;
}

/** A token directory given as the path of its `tokens.json` stands for the directory. */
function tokenDirectory(path: string | undefined): string | undefined {
  return path !== undefined && basename(path) === 'tokens.json' ? dirname(path) : path;
}

/**
 * The configuration: each flag given overrides the file's field (`--load`
 * replaces the file's list); file paths resolve against the file's folder,
 * flag paths against `cwd`. Throws HostConfigError when nothing is to be served.
 */
export function resolveHostConfig(flags: HostFlags, file: { path: string; config: HostConfigFile } | undefined, cwd: string): HostConfig {
  const fromFile = file?.config ?? {};
  const base = file === undefined ? cwd : dirname(file.path);
  const path = (flag: string | undefined, field: string | undefined) =>
    flag !== undefined ? resolve(cwd, flag) : field !== undefined ? resolve(base, field) : undefined;
  const graceText = fromFile.grace;
  const config: HostConfig = {
    dir: path(flags.dir, fromFile.dir),
    watch: flags.watch ?? fromFile.watch ?? false,
    registry: flags.registry ?? fromFile.registry,
    load: flags.load ?? fromFile.load ?? [],
    port: flags.port ?? fromFile.port ?? HOST_DEFAULTS.port,
    listen: flags.listen ?? fromFile.listen ?? HOST_DEFAULTS.listen,
    graceMs: flags.graceMs ?? (graceText === undefined ? undefined : parseDuration(graceText)) ?? HOST_DEFAULTS.graceMs,
    accessLog: path(flags.accessLog, fromFile.accessLog),
    metrics: flags.metrics ?? fromFile.metrics ?? true,
    cacheDir: path(flags.cacheDir, fromFile.cacheDir),
    isolation: flags.isolation ?? fromFile.isolation ?? 'none',
    maxBodyBytes: flags.maxBodyBytes ?? fromFile.maxBodyBytes ?? HOST_DEFAULTS.maxBodyBytes,
    api: {
      tokens: tokenDirectory(path(flags.apiTokens, fromFile.api?.tokens)),
      readAccess: flags.apiReadAccess ?? fromFile.api?.readAccess ?? 'open',
      allowLoadFrom:
        flags.apiAllowLoadFrom !== undefined
          ? flags.apiAllowLoadFrom.map((dir) => resolve(cwd, dir))
          : (fromFile.api?.allowLoadFrom ?? []).map((dir) => resolve(base, dir)),
    },
  };
  const where = file === undefined ? 'flags' : `flags and ${file.path}`;
  if (config.dir === undefined && config.load.length === 0) {
    throw new HostConfigError(
      `nothing to serve: give a plugin directory (--dir or "dir") or registry plugins (--load or "load"); neither is in the ${where}`,
      file?.path,
    );
  }
  if (config.watch && config.dir === undefined) throw new HostConfigError('--watch needs a plugin directory (--dir or "dir")', file?.path);
  if (config.api?.readAccess === 'token' && config.api.tokens === undefined) {
    throw new HostConfigError(
      'reads that need a token ("api.readAccess": "token", --api-read token) need a token directory ("api.tokens", --api-tokens DIR)',
      file?.path,
    );
  }
  return config;
}
