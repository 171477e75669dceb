/** Every command of the plughub CLI, in the order `plughub --help` lists them. */
import type { Command } from '../command.js';
import { build } from './build.js';
import { cache } from './cache.js';
import { exportCommand } from './export.js';
import { gc } from './gc.js';
import { host } from './host.js';
import { info } from './info.js';
import { init } from './init.js';
import { keys } from './keys.js';
import { migrate } from './migrate.js';
import { pack } from './pack.js';
import { publish } from './publish.js';
import { run } from './run.js';
import { search } from './search.js';
import { serve } from './serve.js';
import { token } from './token.js';
import { yank } from './yank.js';

export const commands: Command[] = [init, build, pack, publish, info, search, yank, run, host, cache, serve, token, keys, migrate, exportCommand, gc];
