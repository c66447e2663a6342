/**
 * Commands contributed by the machine-watch and AWS concerns (`offload models`, `offload watch`,
 * `offload aws status`, `offload switch`). Registered here so the entry point lists them in one line.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';

export function registerExtensionCommands(_program: Command, _ctx: CliContext): void {}
