/**
 * `plughub search <q> [--limit N]`: finds plugins on the registry by name and
 * description, in the order the registry answers.
 */
import { usageError } from '../args.js';
import { parseCommandArgs, type Command } from '../command.js';
import { formatTable, parseCount, printJson, printLines } from '../output.js';
import { registryClient, registryOption } from '../registry-options.js';

const usage = `usage: plughub search <query> [--limit N] [--offset N] [--registry URL] [--json]

Finds plugins whose name or description matches the query.

  --limit N        at most N results (default 20)
  --offset N       skip the first N results
  --registry URL   the registry (default: $PLUGHUB_REGISTRY)
  --json           print the registry's answer { total, plugins } as JSON
`;

/** The `search` command. */
export const search: Command = {
  name: 'search',
  summary: 'find plugins on the registry',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('search', argv, {
      ...registryOption,
      limit: { type: 'string' },
      offset: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length === 0) throw usageError('search', 'missing <query>');
    const q = positionals.join(' ');
    const limit = values.limit === undefined ? 20 : parseCount(values.limit, '--limit', { min: 1 });
    const offset = values.offset === undefined ? 0 : parseCount(values.offset, '--offset');
    const client = registryClient(io, values);
    const result = await client.list({ q, limit, offset });
    if (values.json) {
      printJson(io, result);
      return;
    }
    if (result.plugins.length === 0) {
      printLines(io, [`no plugins match "${q}" on ${client.url}`]);
      return;
    }
    const rows = result.plugins.map((plugin) => [plugin.name, plugin.latest ?? '', plugin.description ?? '']);
    const shown = offset > 0 ? `${offset + 1}-${offset + result.plugins.length}` : `${result.plugins.length}`;
    printLines(io, [...formatTable(['NAME', 'LATEST', 'DESCRIPTION'], rows), '', `${shown} of ${result.total} matching "${q}"`]);
  },
};
