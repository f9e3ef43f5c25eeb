/** Every `mwb` subcommand, in the order `mwb --help` lists them. */
import type { Command } from '../command.ts';
import { decontamCommand } from './decontam.ts';
import { dedupCommand } from './dedup.ts';
import { fitCommand } from './fit.ts';
import { gpuCommand } from './gpu.ts';
import { gradeCommand } from './grade.ts';
import { infoCommand } from './info.ts';
import { synthCommand } from './synth.ts';

export const COMMANDS: Command[] = [gpuCommand, infoCommand, fitCommand, synthCommand, dedupCommand, decontamCommand, gradeCommand];
