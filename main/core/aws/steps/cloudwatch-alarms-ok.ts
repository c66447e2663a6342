/**
 * The `cloudwatch-alarms-ok` step kind (phases 3 and 4): passes when none of the alarms (the step's own, else
 * gate.alarms) is in ALARM and every named alarm exists.
 */
import type { OffloadConfig, StepKind } from '../../vocabulary';
import { alarmSelectorSchema, parseGateConfig } from '../config';

/** `cloudwatch-alarms-ok` spec. */
export interface AlarmsOkSpec {
  names?: string[];
  prefixes?: string[];
}

/** Said at validate and by the run when a step has no alarm to check. */
export const NO_ALARMS = 'no alarms to check: give names or prefixes, or configure gate.alarms';

/** The alarms a `cloudwatch-alarms-ok` step checks: its own names/prefixes, else gate.alarms. */
export function alarmSelection(spec: AlarmsOkSpec | null, config: OffloadConfig | undefined) {
  const gate = config?.gate ?? parseGateConfig(undefined);
  return {
    names: spec?.names ?? (spec?.prefixes ? [] : gate.alarms.names),
    prefixes: spec?.prefixes ?? (spec?.names ? [] : gate.alarms.prefixes),
  };
}

/** Passes when none of the alarms (default: gate.alarms) is in ALARM and every named alarm exists. */
export const cloudwatchAlarmsOkStep: StepKind<AlarmsOkSpec | null> = {
  key: 'cloudwatch-alarms-ok',
  // A read-only AWS check: any phase that may reach AWS (aws-prepare, aws-deploy, aws-test, after a local pass on
  // the same source), shutdown (a last look before the local models stop) and monitor (watching AWS is its job).
  // Not local: no AWS phase, read-only or not, may run before the local build and tests passed.
  phases: ['aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'],
  schema: {
    description:
      'None of these CloudWatch alarms is in ALARM (default: the alarms in gate.alarms). One DescribeAlarms call for all names.',
    anyOf: [{ type: 'null' }, alarmSelectorSchema('The alarms to check.')],
  },
  check: (spec, config) => {
    const sel = alarmSelection(spec, config);
    return sel.names.length + sel.prefixes.length === 0 ? [NO_ALARMS] : [];
  },
  describe: () => 'CloudWatch alarms are OK',
  // DescribeAlarms loads only when such a step runs, with every AWS step kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeCloudwatchAlarmsOk(ctx, step),
};
