/** Every `mwb` subcommand, in the order `mwb --help` lists them. */
import type { Command } from '../command.ts';
import { fitCommand } from './fit.ts';
import { gpuCommand } from './gpu.ts';

export const COMMANDS: Command[] = [gpuCommand, fitCommand];
