/**
 * `plughub yank <name>@<version> [--undo]`: marks a published version yanked
 * (no range resolves to it any more; its exact version still downloads), or
 * with `--undo` makes it resolvable again. Needs a token allowed to publish
 * the plugin. Success is reported only when the registry itself answered
 * with the version entry in the new state: a redirect (the token would not
 * follow it) or any other answer is an error.
 */
import * as semver from '../../../core/semver.js';
import { UsageError } from '../../../core/errors/index.js';
import { parsePluginSpec } from '../../../core/plugin/index.js';
import { atMost, usageError } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { printJson, printLines } from '../output.js';
import { explainRegistryError, registryClient, registryOption, tokenOption } from '../registry-options.js';

const usage = `usage: plughub yank <name>@<version> [--undo] [--registry URL] [--token TOKEN] [--json]

Yanks a published version: ranges no longer resolve to it, but hosts that ask
for that exact version still get it. --undo reverses it.

  --undo           make the version resolvable again
  --registry URL   the registry (default: $PLUGHUB_REGISTRY)
  --token TOKEN    a token allowed to publish the plugin (default: $PLUGHUB_TOKEN)
  --json           print { name, version, yanked } as JSON
`;

/** The `yank` command. */
export const yank: Command = {
  name: 'yank',
  summary: 'yank a published version (or --undo it)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('yank', argv, {
      ...registryOption,
      ...tokenOption,
      undo: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const [spec] = positionals;
    if (spec === undefined) throw usageError('yank', 'missing <name>@<version>');
    atMost('yank', positionals, 1);
    const { name, range } = parsePluginSpec(spec);
    const version = semver.valid(range);
    if (version === null || version !== range) {
      throw new UsageError(`"${spec}" does not name one exact version (write ${name}@1.2.3)`, { plugin: name });
    }
    const client = registryClient(io, values);
    const undo = values.undo === true;
    let entry;
    try {
      entry = await client.yank(name, version, { undo });
    } catch (error) {
      throw explainRegistryError(error, `cannot ${undo ? 'un-yank' : 'yank'} ${name}@${version} on ${client.url}`);
    }
    if (values.json) {
      printJson(io, { name, version, yanked: entry.yanked });
      return;
    }
    printLines(io, [undo ? `restored ${name}@${version}: ranges resolve to it again` : `yanked ${name}@${version}: ranges no longer resolve to it`]);
  },
};
