/**
 * `plughub token create|list|revoke --data DIR`: manages the publish tokens
 * of a registry data directory. `create` prints the new token and nothing
 * else on stdout (so scripts can capture it); only its hash is stored.
 * `list` shows ids, scopes and creation times, never tokens.
 */
import { resolve } from 'node:path';
import { createFileTokenStore, describePublishPattern, describeScopes } from '../../../../registry-server/index.js';
import { atMost, usageError } from '../args.js';
import { dataOption } from '../data-options.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { formatTable, printJson, printLines } from '../output.js';

const usage = `usage: plughub token create [--publish PATTERN]... [--admin] [--data DIR]
       plughub token list [--data DIR] [--json]
       plughub token revoke ID [--data DIR]

Manages the publish tokens of a registry data directory. Servers using the
directory see changes at once.

  create            print a new token (only the token, on stdout); only its hash is kept
    --publish PATTERN   may publish and yank PATTERN: a plugin name or @scope/* (repeatable)
    --admin             may publish and yank every plugin
  list              ids, scopes and creation times (never the tokens)
  revoke ID         delete the token with that id
  --data DIR        the data directory (default ./plughub-data)
`;

const options = {
  ...dataOption,
  publish: { type: 'string', multiple: true },
  admin: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

async function create(io: CliIO, directory: string, patterns: string[], admin: boolean): Promise<void> {
  if (patterns.length === 0 && !admin) throw usageError('token', 'a token needs --publish PATTERN or --admin');
  for (const pattern of patterns) {
    const problem = describePublishPattern(pattern);
    if (problem !== undefined) throw usageError('token', `invalid --publish ${problem}`);
  }
  const { token, info } = await createFileTokenStore(directory).create({ admin, publish: patterns });
  io.stdout.write(`${token}\n`);
  io.stderr.write(`created token ${info.id} (${describeScopes(info.scopes)}); it is shown only this once\n`);
}

async function list(io: CliIO, directory: string, json: boolean): Promise<void> {
  const tokens = await createFileTokenStore(directory).list();
  if (json) {
    printJson(io, tokens);
    return;
  }
  if (tokens.length === 0) {
    printLines(io, [`no tokens in ${directory}`]);
    return;
  }
  printLines(
    io,
    formatTable(
      ['ID', 'CREATED', 'SCOPES'],
      tokens.map((t) => [t.id, t.createdAt, describeScopes(t.scopes)]),
    ),
  );
}

async function revoke(io: CliIO, directory: string, id: string | undefined): Promise<number> {
  if (id === undefined) throw usageError('token', 'missing the ID of the token to revoke (see plughub token list)');
  if (!(await createFileTokenStore(directory).revoke(id))) {
    io.stderr.write(`plughub: no token with id ${id} in ${directory}\n`);
    return 1;
  }
  printLines(io, [`revoked token ${id}`]);
  return 0;
}

/** The `token` command. */
export const token: Command = {
  name: 'token',
  summary: 'create, list or revoke registry publish tokens',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('token', argv, options);
    const [action, ...rest] = positionals;
    const directory = resolve(io.cwd, values.data);
    switch (action) {
      case 'create':
        atMost('token create', rest, 0);
        await create(io, directory, values.publish ?? [], values.admin === true);
        return 0;
      case 'list':
        atMost('token list', rest, 0);
        await list(io, directory, values.json === true);
        return 0;
      case 'revoke':
        atMost('token revoke', rest, 1);
        return revoke(io, directory, rest[0]);
      case undefined:
        throw usageError('token', 'missing the action: create, list or revoke');
      default:
        throw usageError('token', `unknown action "${action}": create, list or revoke`);
    }
  },
};
