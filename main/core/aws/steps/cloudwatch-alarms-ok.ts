/**
 * The `cloudwatch-alarms-ok` step kind (phases 3 and 4): passes when none of the alarms (the step's own, else
 * gate.alarms) is in ALARM and every named alarm exists.
 */
import type { OffloadConfig, StepKind } from '../../vocabulary';
import { describeAlarms } from '../alarms';
import { alarmSelectorSchema, parseGateConfig } from '../config';
import { awsFailure, withClients } from '../step-support';

/** `cloudwatch-alarms-ok` spec. */
export interface AlarmsOkSpec {
  names?: string[];
  prefixes?: string[];
}

const NO_ALARMS = 'no alarms to check: give names or prefixes, or configure gate.alarms';

/** The alarms a `cloudwatch-alarms-ok` step checks: its own names/prefixes, else gate.alarms. */
function alarmSelection(spec: AlarmsOkSpec | null, config: OffloadConfig | undefined) {
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
  async execute(ctx, step) {
    const sel = alarmSelection(step.spec, ctx.services.config);
    if (sel.names.length + sel.prefixes.length === 0) return { status: 'failed', summary: NO_ALARMS };
    try {
      const alarms = await withClients(ctx, (c) => describeAlarms(c.cloudwatch, sel, ctx.signal));
      ctx.record('cloudwatch-alarms', { alarms });
      for (const a of alarms) ctx.log(`${a.name}: ${a.state}${a.reason ? ` — ${a.reason}` : ''}`, 'info');
      const firing = alarms.filter((a) => a.state === 'ALARM');
      const missing = alarms.filter((a) => a.state === 'UNKNOWN');
      if (firing.length > 0) {
        return {
          status: 'failed',
          summary: `in ALARM: ${firing.map((a) => `${a.name} (${a.reason ?? a.metric ?? ''})`).join('; ')}`,
        };
      }
      if (missing.length > 0)
        return { status: 'failed', summary: `unknown alarm(s): ${missing.map((a) => a.name).join(', ')}` };
      if (alarms.length === 0)
        return { status: 'failed', summary: `no alarm matches ${sel.prefixes.join(', ')}` };
      return { status: 'passed', summary: `${alarms.length} alarm(s), none in ALARM` };
    } catch (err) {
      return awsFailure(ctx, err, 'cloudwatch:DescribeAlarms');
    }
  },
};
