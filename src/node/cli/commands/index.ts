/** Every command of the plughub CLI, in the order `plughub --help` lists them. */
import type { Command } from '../command.js';

export const commands: Command[] = [];
