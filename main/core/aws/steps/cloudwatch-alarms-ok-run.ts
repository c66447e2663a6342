/** The `cloudwatch-alarms-ok` step kind's run code (what its steps do), loaded on first use. */
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { describeAlarms } from '../alarms';
import { awsFailure, withClients } from '../step-support';
import { alarmSelection, NO_ALARMS, type AlarmsOkSpec } from './cloudwatch-alarms-ok';

/** Reads the alarms in one DescribeAlarms call and fails on any in ALARM or unknown. */
export async function executeCloudwatchAlarmsOk(
  ctx: StepContext,
  step: ResolvedStep<AlarmsOkSpec | null>,
): Promise<StepResult> {
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
}
