/** Entry point of the `mwb` CLI: dispatches to a subcommand and maps errors to exit codes. */
import { GpuUnavailableError } from '../gpu/errors.ts';
import { useNodeGpu } from '../gpu/host-node.ts';
import { releaseGpu } from '../gpu/session.ts';
import { UsageError, type Command, type CommandEntry } from './command.ts';
import { COMMANDS } from './commands/index.ts';

/** Exit codes: 0 success, 1 failure or invalid arguments, 2 no WebGPU adapter. */
export const EXIT_NO_WEBGPU = 2;

function topUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'mwb: the Math Reasoning Workbench on the command line (same engine as the app, WebGPU through Dawn).',
    '',
    'Usage: mwb COMMAND [options]   (mwb COMMAND --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 success, 1 failure or invalid arguments, 2 no WebGPU adapter.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(topUsage());
    return name ? 0 : 1;
  }
  const entry: CommandEntry | undefined = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    console.error(`mwb: unknown command "${name}".\n\n${topUsage()}`);
    return 1;
  }
  const command: Command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  useNodeGpu();
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      // The synopsis is the usage text up to its first blank line; --help prints the rest.
      const synopsis = command.usage.split(/\n\s*\n/)[0];
      console.error(`mwb ${name}: ${error.message}\n\nUsage: ${synopsis}\nRun "mwb ${name} --help" for every option.`);
      return 1;
    }
    if (error instanceof GpuUnavailableError) {
      console.error(`mwb ${name}: ${error.message}`);
      return EXIT_NO_WEBGPU;
    }
    console.error(`mwb ${name}: ${(error as Error).message ?? error}`);
    if (process.env.MWB_DEBUG) console.error((error as Error).stack);
    return 1;
  } finally {
    await releaseGpu();
  }
}

// A closed pipe (`mwb gpu | head`) is a normal end of output, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2));
// Dawn keeps native handles alive, so exit explicitly once output is flushed.
process.exitCode = code;
setImmediate(() => process.exit(code));
