/**
 * `plughub token create|list|revoke [--data DIR | --storage postgres://…]`:
 * manages the publish tokens of a registry (its data directory or its
 * PostgreSQL database). `create` prints the new token and nothing
 * else on stdout (so scripts can capture it); only its hash is stored.
 * `list` shows ids, scopes and creation times, never tokens.
 */
import { describePublishPattern, describeScopes, type TokenStore } from '../../../../registry-server/index.js';
import { atMost, usageError } from '../args.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { formatTable, printJson, printLines } from '../output.js';
import { openTokenStore, storageLocation } from '../registry-store.js';

const usage = `usage: plughub token create [--publish PATTERN]... [--admin] [--data DIR | --storage URL]
       plughub token list [--data DIR | --storage URL] [--json]
       plughub token revoke ID [--data DIR | --storage URL]

Manages the publish tokens of a registry: its data directory or its
PostgreSQL database. Servers using it see changes at once.

  create            print a new token (only the token, on stdout); only its hash is kept
    --publish PATTERN   may publish and yank PATTERN: a plugin name or @scope/* (repeatable)
    --admin             may publish and yank every plugin
  list              ids, scopes and creation times (never the tokens)
  revoke ID         delete the token with that id
  --data DIR        the data directory (default ./plughub-data)
  --storage URL     the registry's PostgreSQL database, postgres://… (or PLUGHUB_STORAGE)
`;

const options = {
  data: { type: 'string' },
  storage: { type: 'string' },
  publish: { type: 'string', multiple: true },
  admin: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

async function create(io: CliIO, tokens: TokenStore, patterns: string[], admin: boolean): Promise<void> {
  if (patterns.length === 0 && !admin) throw usageError('token', 'a token needs --publish PATTERN or --admin');
  for (const pattern of patterns) {
    const problem = describePublishPattern(pattern);
    if (problem !== undefined) throw usageError('token', `invalid --publish ${problem}`);
  }
  const { token, info } = await tokens.create({ admin, publish: patterns });
  io.stdout.write(`${token}\n`);
  io.stderr.write(`created token ${info.id} (${describeScopes(info.scopes)}); it is shown only this once\n`);
}

async function list(io: CliIO, tokens: TokenStore, where: string, json: boolean): Promise<void> {
  const infos = await tokens.list();
  if (json) {
    printJson(io, infos);
    return;
  }
  if (infos.length === 0) {
    printLines(io, [`no tokens in ${where}`]);
    return;
  }
  printLines(
    io,
    formatTable(
      ['ID', 'CREATED', 'SCOPES'],
      infos.map((t) => [t.id, t.createdAt, describeScopes(t.scopes)]),
    ),
  );
}

async function revoke(io: CliIO, tokens: TokenStore, where: string, id: string | undefined): Promise<number> {
  if (id === undefined) throw usageError('token', 'missing the ID of the token to revoke (see plughub token list)');
  if (!(await tokens.revoke(id))) {
    io.stderr.write(`plughub: no token with id ${id} in ${where}\n`);
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
    if (action === undefined) throw usageError('token', 'missing the action: create, list or revoke');
    if (action !== 'create' && action !== 'list' && action !== 'revoke') throw usageError('token', `unknown action "${action}": create, list or revoke`);
    atMost(`token ${action}`, rest, action === 'revoke' ? 1 : 0);
    const store = await openTokenStore('plughub token', storageLocation('token', values, io));
    try {
      switch (action) {
        case 'create':
          await create(io, store.tokens, values.publish ?? [], values.admin === true);
          return 0;
        case 'list':
          await list(io, store.tokens, store.where, values.json === true);
          return 0;
        case 'revoke':
          return await revoke(io, store.tokens, store.where, rest[0]);
      }
    } finally {
      await store.close();
    }
  },
};
