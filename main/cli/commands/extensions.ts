/**
 * Commands contributed by the machine-watch and AWS concerns (`offload models`, `offload watch`,
 * `offload aws status`, `offload switch`). Registered here so the entry point lists them in one line.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerAwsCommands } from './aws';

export function registerExtensionCommands(program: Command, ctx: CliContext): void {
  registerAwsCommands(program, ctx);
}
