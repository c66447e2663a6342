/**
 * The `switch-config` step kind: points the dev config at AWS (or back at local). AWS values that come from
 * step outputs are given here under `values:` (the engine interpolates them) and remembered for later
 * automatic switches by the rule.
 */
import type { OffloadConfig, StepKind } from '../vocabulary';
import { projectStateDir } from '../platform/project-state-dir';
import { ConfigSwitcher } from './switcher';

/** `switch-config` spec. */
export interface SwitchStepSpec {
  to: 'aws' | 'local';
  values?: Record<string, string>;
}

/** Why a switch-config step cannot switch anything in this config (empty: it can). */
function switchProblems(config: OffloadConfig): string[] {
  return config.switch.files.length === 0 ? ['offload.yml has no `switch:` files'] : [];
}

export const switchConfigStep: StepKind<SwitchStepSpec> = {
  key: 'switch-config',
  // Shutdown only: pointing the dev config at AWS is the second half of the shutdown the gate guards (AWS deployed
  // and tested); elsewhere it would rewrite the project's files before AWS is ready (local, aws-prepare) or with
  // no gate at all (monitor). Going back to local is the user's (`offload switch local`, the tray), not a step's.
  phases: ['shutdown'],
  schema: {
    type: 'object',
    description: 'Switch the files in offload.yml `switch:` to their AWS or local values.',
    additionalProperties: false,
    required: ['to'],
    properties: {
      to: { enum: ['aws', 'local'], description: 'Target: aws or local.' },
      values: {
        type: 'object',
        description:
          'AWS values by key, overriding offload.yml (e.g. API_URL: ${{ steps.deploy.outputs.url }}); remembered.',
        additionalProperties: { type: 'string' },
      },
    },
  },
  check: (_spec, config) => switchProblems(config),
  describe: (s) => `switch config to ${s.spec.to}`,
  async execute(ctx, step) {
    const config = ctx.services.config;
    if (!config)
      return { status: 'failed', summary: 'switch-config needs the project config (services.config)' };
    const refused = switchProblems(config);
    if (refused.length) return { status: 'failed', summary: refused.join('; ') };
    const sw = config.switch;
    const switcher = new ConfigSwitcher({
      config: sw,
      stateDir: projectStateDir(config, ctx.services.dataDir, {
        ...process.env,
        ...ctx.env,
      }),
      env: ctx.env,
      project: { name: config.name, dir: config.dir },
    });
    try {
      const res = await switcher.switchTo(step.spec.to, { awsValues: step.spec.values });
      ctx.record('config-switch', { trigger: 'step', target: res.target, files: res.files });
      for (const f of res.files)
        ctx.log(`${f.path}: ${f.changed.length ? f.changed.join(', ') : 'already set'}`, 'info');
      const n = res.files.reduce((k, f) => k + f.changed.length, 0);
      return {
        status: 'passed',
        summary: `config on ${res.target} (${n} value(s) changed in ${res.files.length} file(s))`,
      };
    } catch (err) {
      return { status: 'failed', summary: (err as Error).message };
    }
  },
};
