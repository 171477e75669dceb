/**
 * `plughub pack [dir] [--out FILE]`: validates plugin.json, builds the
 * bundle when it is missing or older than its sources, and writes
 * `<name>-<version>.plg` (plugin.json, the bundle, README.md, CHANGELOG.md,
 * LICENSE, and with `--sourcemap` the source map) into the current folder or
 * to `--out`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { atMost } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { formatBytes, printJson, printLines } from '../output.js';
import { packProject } from '../pack-project.js';
import { displayPath, plgFileName, readProject } from '../project.js';

const usage = `usage: plughub pack [dir] [--out FILE] [--build] [--minify] [--sourcemap] [--json]

Packs the plugin project in dir (default: the current folder) into a .plg
file: plugin.json, the bundle it names, and README.md, CHANGELOG.md and
LICENSE (or LICENSE.md, LICENSE.txt, packed as LICENSE) when the project has
them: at most 512 KiB for README.md and CHANGELOG.md, 64 KiB for LICENSE,
UTF-8 text. Builds the bundle first when it is missing or older than
plugin.json or src/ (always with --build).

  --out FILE   where to write (default: ./<name>-<version>.plg; @acme/hello
               gives acme-hello-<version>.plg)
  --build      rebuild the bundle even when it exists
  --minify     minify the bundle when this pack builds it
  --sourcemap  pack the source map (<bundle>.map) beside the bundle, building
               it when it is missing or older than the bundle (a source map
               is never packed without this flag)
  --json       print { name, version, path, bytes, files } as JSON
`;

/** The `pack` command. */
export const pack: Command = {
  name: 'pack',
  summary: 'write <name>-<version>.plg from a plugin project',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('pack', argv, {
      out: { type: 'string', short: 'o' },
      build: { type: 'boolean' },
      minify: { type: 'boolean' },
      sourcemap: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    atMost('pack', positionals, 1);
    const project = await readProject(positionals[0] ?? '.', io.cwd);
    const packed = await packProject(project, values.build ? 'always' : 'if-stale', {
      build: { minify: values.minify === true },
      packSourcemap: values.sourcemap === true,
    });
    for (const warning of packed.built?.warnings ?? []) io.stderr.write(`plughub pack: warning: ${warning}\n`);
    const { name, version } = packed.manifest;
    const out = resolve(io.cwd, values.out ?? plgFileName(name, version));
    await writeFile(out, packed.bytes);
    if (values.json) {
      printJson(io, { name, version, path: out, bytes: packed.bytes.byteLength, files: packed.files });
      return;
    }
    const built = packed.built ? ` (built ${displayPath(packed.built.path, io.cwd)})` : '';
    printLines(io, [`packed ${name}@${version}${built}: ${displayPath(out, io.cwd)} (${formatBytes(packed.bytes.byteLength)}; ${packed.files.join(', ')})`]);
  },
};
