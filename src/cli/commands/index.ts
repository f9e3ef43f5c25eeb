/** Every `mwb` subcommand, in the order `mwb --help` lists them. */
import type { Command } from '../command.ts';
import { decontamCommand } from './decontam.ts';
import { dedupCommand } from './dedup.ts';
import { fitCommand } from './fit.ts';
import { generateCommand } from './generate.ts';
import { gpuCommand } from './gpu.ts';
import { gradeCommand } from './grade.ts';
import { infoCommand } from './info.ts';
import { synthCommand } from './synth.ts';
import { tokenizeCommand } from './tokenize.ts';

export const COMMANDS: Command[] = [gpuCommand, infoCommand, tokenizeCommand, generateCommand, fitCommand, synthCommand, dedupCommand, decontamCommand, gradeCommand];
