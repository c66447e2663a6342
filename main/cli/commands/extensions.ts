/**
 * Commands contributed by the machine-watch and AWS concerns (`offload models`, `offload watch`,
 * `offload aws status`, `offload switch`). Registered here so the entry point lists them in one line.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { makeTerm } from '../terminal';
import { registerAwsCommands } from './aws';
import { registerModelsCommand } from './models';
import { ask } from './trust';
import { confirmationNeeded } from '../../core/offload';

export function registerExtensionCommands(program: Command, ctx: CliContext): void {
  registerModelsCommand(program, {
    // The project's matchers and exclusions when there is an offload.yml; the defaults otherwise.
    loadWatch: async () => {
      const core = await ctx.openCore({ projectOptional: true });
      const own = core.config()?.models.matchers.length ?? 0;
      const untrusted = own > 0 && core.trust()?.status.trusted === false;
      return {
        note: untrusted
          ? `offload.yml's ${own} model matcher(s) are not used until you trust the project (\`offload trust\`)`
          : undefined,
        refreshModels: () => core.refreshModels(),
        stopModelServers: (o) => core.stopModels(o),
        confirmationNeeded: (m) => confirmationNeeded(m, core.config()?.models.matchers ?? []),
        stop: () => {},
      };
    },
    fitModels: async (o) => (await ctx.openCore({ projectOptional: true })).fitModels(o),
    color: makeTerm({ env: ctx.env }).color,
    // Read when a stop asks, not at start-up: opening stdin to ask isTTY costs every command ~7 ms.
    get ask() {
      return process.stdin.isTTY ? ask : undefined;
    },
    exit: (code) => ctx.exit(code),
  });
  registerAwsCommands(program, ctx);
}
