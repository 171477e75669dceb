/**
 * `plughub build [dir]`: bundles a plugin project's source entry into one
 * self-contained ES module at its plugin.json `source.path` (see
 * build-plugin.ts) and prints the path and size.
 */
import { buildPlugin } from '../build-plugin.js';
import { atMost } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { formatBytes, printJson, printLines } from '../output.js';
import { displayPath, projectId, readProject } from '../project.js';

const usage = `usage: plughub build [dir] [--json]

Bundles the plugin project in dir (default: the current folder) with rollup:
src/index.ts, .mts, .js or .mjs and everything it imports (npm packages
included) become one ES module at plugin.json's source.path.

  --json   print { name, version, path, bytes, warnings } as JSON
`;

/** The `build` command. */
export const build: Command = {
  name: 'build',
  summary: 'bundle a plugin project into one self-contained ES module',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('build', argv, { json: { type: 'boolean' } });
    atMost('build', positionals, 1);
    const project = await readProject(positionals[0] ?? '.', io.cwd);
    const result = await buildPlugin(project);
    for (const warning of result.warnings) io.stderr.write(`plughub build: warning: ${warning}\n`);
    if (values.json) {
      const { name, version } = project.manifest;
      printJson(io, { name, version, path: result.path, bytes: result.bytes, warnings: result.warnings });
      return;
    }
    printLines(io, [`built ${projectId(project)}: ${displayPath(result.path, io.cwd)} (${formatBytes(result.bytes)})`]);
  },
};
