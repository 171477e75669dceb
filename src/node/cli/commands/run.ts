/**
 * `plughub run <target>`: loads a plugin in Node with createPluginHost and
 * executes it once. The target is a registry spec (`hello`, `hello@^1.2`), a
 * plugin project folder or a `.plg` file; anything starting with `.` or `/`
 * or ending in `.plg` is a path. Values come from `--set key=value` (parsed
 * as JSON when they are JSON, else kept as strings); the returned value is
 * printed as JSON on stdout, and plugin and host logs go to stderr, both
 * terminal-safe (terminal-text.ts).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { format } from 'node:util';
import * as semver from '../../../core/semver.js';
import { UsageError } from '../../../core/errors/index.js';
import type { Logger } from '../../../core/plugin/index.js';
import type { LocalBundle } from '../../../core/host/index.js';
import { parseManifest, parsePluginSpec } from '../../../core/plugin/index.js';
import { readPlg } from '../../../core/plg/index.js';
import { createPluginHost, type NodePluginHost } from '../../host.js';
import { buildPlugin } from '../build-plugin.js';
import { atMost, usageError } from '../args.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { parseCount } from '../output.js';
import { fetchWithProgress, progressOption } from '../progress.js';
import { needsBuild, readBundle, readProject } from '../project.js';
import { optionalRegistryUrl, registryOption } from '../registry-options.js';
import { terminalJson, terminalText } from '../terminal-text.js';

const usage = `usage: plughub run <name>[@range] | <dir> | <file.plg> [options]

Loads a plugin in Node and executes it once; prints what it returns as JSON.
A target starting with "." or "/" or ending in ".plg" is a local path (a
plugin project folder, built first when its bundle is missing or older than
its sources, or a .plg file); anything else is resolved on the registry and
cached.

  --set key=value    a context value (repeatable); the value is parsed as JSON
                     when it is JSON (3, true, {"a":1}, "quoted"), else a string
  --label L          the context label (an HTTP route label)
  --timeout ms       abort the call after ms milliseconds
  --host-version V   the host API version (semver) the plugin's engines.host
                     must accept; on the registry, versions it does not accept
                     are skipped (default: not checked)
  --registry URL     the registry (default: $PLUGHUB_REGISTRY)
  --cache-dir DIR    the cache (default: $PLUGHUB_CACHE_DIR, else ~/.cache/plughub)
  --json             accepted for symmetry: the result is always printed as JSON
                     (and an error, with --json, as a JSON error object)
  --no-progress      draw no download progress bar (none is drawn off a
                     terminal, under CI or TERM=dumb)
`;

/** Parses `--set key=value` options into context values. */
export function parseValues(pairs: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--set "${pair}" is not key=value`);
    const text = pair.slice(equals + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON: the text itself is the value.
    }
    values[pair.slice(0, equals)] = value;
  }
  return values;
}

/** The `--host-version` value as a semver version (`v1.2.0` is `1.2.0`); a UsageError when it is not one. */
function parseHostVersion(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const version = semver.valid(text.trim());
  if (version === null) throw usageError('run', `--host-version must be a semver version such as 1.4.0, not "${text}"`);
  return version;
}

/** True when the target names a local folder or package rather than a registry spec. */
function isPath(target: string): boolean {
  return target.startsWith('.') || isAbsolute(target) || target.endsWith('.plg');
}

/** Reads a local target: a .plg file or a plugin project (built when its bundle is missing). */
async function localBundle(target: string, io: CliIO): Promise<LocalBundle> {
  const path = resolve(io.cwd, target);
  if (path.endsWith('.plg')) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`${path} ${info ? 'is not a file' : 'does not exist'}`);
    const stream = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
    try {
      const pkg = await readPlg(stream, undefined, { strictManifest: false });
      return { manifest: pkg.manifestJson, bytes: pkg.bundle, location: path };
    } catch (error) {
      throw new UsageError(`${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  const project = await readProject(path, io.cwd);
  if (await needsBuild(project)) await buildPlugin(project);
  return { manifest: JSON.parse(project.manifestText), bytes: await readBundle(project), location: project.dir };
}

/** Loads a local target (its registry dependencies first); returns the plugin's name. */
async function loadLocal(host: NodePluginHost, target: string, io: CliIO): Promise<string> {
  const bundle = await localBundle(target, io);
  const manifest = parseManifest(bundle.manifest, { url: bundle.location }, { strict: false });
  for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
    await host.load(`${dependency}@${range}`);
  }
  return (await host.loadBundle(bundle)).name;
}

function stderrLogger(io: CliIO): Logger {
  const write = (...args: unknown[]) => void io.stderr.write(`${terminalText(format(...args))}\n`);
  return { debug() {}, info: write, warn: write, error: write };
}

/** The `run` command. */
export const run: Command = {
  name: 'run',
  summary: 'load a plugin in Node, execute it and print the result as JSON',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('run', argv, {
      ...registryOption,
      set: { type: 'string', multiple: true },
      label: { type: 'string' },
      timeout: { type: 'string' },
      'cache-dir': { type: 'string' },
      'host-version': { type: 'string' },
      json: { type: 'boolean' },
      ...progressOption,
    });
    const [target] = positionals;
    if (target === undefined) throw usageError('run', 'missing <name>[@range], <dir> or <file.plg>');
    atMost('run', positionals, 1);
    const context = parseValues(values.set ?? []);
    const timeoutMs = values.timeout === undefined ? undefined : parseCount(values.timeout, '--timeout', { min: 1 });
    const hostVersion = parseHostVersion(values['host-version']);
    const local = isPath(target);
    const registry = optionalRegistryUrl(io, values.registry);
    if (!local && registry === undefined) {
      parsePluginSpec(target);
      throw new UsageError(`cannot run ${target}: no registry given: pass --registry URL or set PLUGHUB_REGISTRY (or run a folder: plughub run ./${target})`);
    }
    // The default loader's private module copies go when the process ends, also on SIGINT or SIGTERM (module-dir.ts).
    let host: NodePluginHost | undefined;
    try {
      host = createPluginHost({
        ...(registry ? { registry } : {}),
        ...(values['cache-dir'] ? { cacheDir: resolve(io.cwd, values['cache-dir']) } : {}),
        env: io.env,
        log: stderrLogger(io),
        fetch: fetchWithProgress(io, () => `downloading ${target}`, values['no-progress'] === true),
        ...(hostVersion !== undefined ? { hostVersion } : {}),
      });
      const name = local ? await loadLocal(host, target, io) : (await host.load(target)).name;
      const result = await host.execute(name, {
        values: context,
        ...(values.label !== undefined ? { label: values.label } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      io.stdout.write(`${toJson(result, name)}\n`);
    } finally {
      await host?.close();
    }
  },
};

function toJson(value: unknown, name: string): string {
  try {
    return terminalJson(JSON.stringify(value) ?? 'null');
  } catch (error) {
    throw new UsageError(`${name} returned a value that cannot be printed as JSON: ${(error as Error).message}`, { plugin: name });
  }
}
