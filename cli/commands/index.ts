// Every `nhi` subcommand, in the order `nhi --help` lists them.
import type { Command } from '../command.ts';
import { normalizeCommand } from './normalize.ts';

export const commands: Command[] = [normalizeCommand];
