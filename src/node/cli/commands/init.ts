/**
 * `plughub init <name> [dir] [--js]`: creates a plugin project — plugin.json,
 * src/index.ts (or src/index.js with --js) using definePlugin, a README, and
 * for TypeScript a tsconfig.json and the plugin API's declarations, so that
 * the project type-checks with no install (templates.ts) — in `dir`
 * (default: the name without its scope). Refuses an invalid name and a
 * folder that is not empty.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../../core/errors/index.js';
import { validatePluginName } from '../../../core/plugin/index.js';
import { atMost, usageError } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { printJson, printLines } from '../output.js';
import { displayPath } from '../project.js';
import { projectFiles } from '../templates.js';

const usage = `usage: plughub init <name> [dir] [--js] [--json]

Creates a plugin project in dir (default: ./<name>, without a @scope/). A
TypeScript project carries the plugin API's types (types/plughub.d.ts), so
tsc --noEmit checks it with no install.

  <name>   the plugin name: lowercase, optional @scope/, a-z 0-9 - . _ ~
  --js     write plain JavaScript (src/index.js) instead of TypeScript
  --json   print what was written as JSON

Then: cd <dir> && plughub build && plughub run . --set who=you
`;

/** The `init` command. */
export const init: Command = {
  name: 'init',
  summary: 'create a plugin project (TypeScript, or JavaScript with --js)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('init', argv, { js: { type: 'boolean' }, json: { type: 'boolean' } });
    const [name, dir] = positionals;
    if (name === undefined) throw usageError('init', 'missing <name>');
    atMost('init', positionals, 2);
    const reason = validatePluginName(name);
    if (reason !== undefined) throw new UsageError(`invalid plugin name "${name}": ${reason}`, { plugin: name });
    const folder = resolve(io.cwd, dir ?? basename(name));
    const existing = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      if (error.code === 'ENOTDIR') throw new UsageError(`${folder} exists and is not a folder`);
      throw error;
    });
    if (existing.length > 0) {
      throw new UsageError(`${folder} is not empty (${existing.length} entries); choose another folder: plughub init ${name} <dir>`);
    }
    const files = projectFiles({ name, javascript: values.js === true });
    for (const file of files) {
      const path = join(folder, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.text, { flag: 'wx' });
    }
    const where = displayPath(folder, io.cwd);
    if (values.json) {
      printJson(io, { name, dir: folder, files: files.map((file) => file.path) });
      return;
    }
    printLines(io, [
      `created ${name} in ${where}: ${files.map((file) => file.path).join(', ')}`,
      '',
      'next:',
      `  cd ${where}`,
      '  plughub build',
      '  plughub run . --set who=you',
    ]);
  },
};
