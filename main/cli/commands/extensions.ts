/**
 * Commands contributed by the machine-watch and AWS concerns (`offload models`, `offload watch`,
 * `offload aws status`, `offload switch`). Registered here so the entry point lists them in one line.
 */
import type { Command } from 'commander';
import { findConfig, loadConfig } from '../../core/config';
import {
  createMachineWatch,
  parseModelsConfig,
  parseWatchConfig,
  type MachineWatch,
} from '../../core/machine';
import { usePrecompiled } from '../../core/project';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../core/registry';
import type { CliContext } from '../context';
import { makeTerm } from '../terminal';
import { registerAwsCommands } from './aws';
import { registerModelsCommand } from './models';

/** The machine watch with the project's matchers and exclusions when there is an offload.yml; defaults otherwise. */
async function loadWatch(ctx: CliContext): Promise<MachineWatch> {
  const g = ctx.globals();
  const file = g.config ?? findConfig(ctx.cwd);
  if (!file) return createMachineWatch({ env: ctx.env });
  usePrecompiled();
  const config = loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
  return createMachineWatch({
    env: ctx.env,
    watch: parseWatchConfig(config.sections.watch),
    models: parseModelsConfig(config.sections.models),
  });
}

export function registerExtensionCommands(program: Command, ctx: CliContext): void {
  registerModelsCommand(program, {
    loadWatch: () => loadWatch(ctx),
    color: makeTerm({ env: ctx.env }).color,
    exit: (code) => ctx.exit(code),
  });
  registerAwsCommands(program, ctx);
}
