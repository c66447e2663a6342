/**
 * CloudWatch alarms: one DescribeAlarms call for all configured names (the API takes up to 100) plus one per
 * prefix, and a transition tracker that reports each change into ALARM and each resolution exactly once.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
/** The SDK loads on first use, not at start-up: `offload run` of plain steps never pays for it. */
const cloudWatchSdk = (): typeof import('@aws-sdk/client-cloudwatch') =>
  require('@aws-sdk/client-cloudwatch');

import type { AwsAlarmState } from '../vocabulary';

/** Which alarms to read. */
export interface AlarmSelector {
  names: string[];
  prefixes: string[];
}

/** Reads the selected alarms; names that do not exist come back as state UNKNOWN (never healthy). */
export async function describeAlarms(
  cw: CloudWatchClient,
  sel: AlarmSelector,
  signal?: AbortSignal,
): Promise<AwsAlarmState[]> {
  const found = new Map<string, AwsAlarmState>();
  const pages = async (input: { AlarmNames?: string[]; AlarmNamePrefix?: string }) => {
    let NextToken: string | undefined;
    do {
      const res = await cw.send(
        new (cloudWatchSdk().DescribeAlarmsCommand)({
          ...input,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          MaxRecords: 100,
          NextToken,
        }),
        { abortSignal: signal },
      );
      for (const a of [...(res.MetricAlarms ?? []), ...(res.CompositeAlarms ?? [])]) {
        if (!a.AlarmName) continue;
        const metric =
          'MetricName' in a && a.MetricName
            ? `${a.Namespace ?? ''}${a.Namespace ? '/' : ''}${a.MetricName}`
            : undefined;
        found.set(a.AlarmName, {
          name: a.AlarmName,
          state: (a.StateValue as AwsAlarmState['state']) ?? 'UNKNOWN',
          reason: a.StateReason,
          metric,
        });
      }
      NextToken = res.NextToken;
    } while (NextToken);
  };
  const names = [...new Set(sel.names)];
  for (let i = 0; i < names.length; i += 100) await pages({ AlarmNames: names.slice(i, i + 100) });
  for (const p of new Set(sel.prefixes)) await pages({ AlarmNamePrefix: p });
  for (const n of names) {
    if (!found.has(n))
      found.set(n, { name: n, state: 'UNKNOWN', reason: 'no such alarm in this account and Region' });
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A change worth one notification. */
export interface AlarmTransition {
  alarm: AwsAlarmState;
  kind: 'alarm' | 'resolved';
}

/** Remembers alarm states between polls and yields each transition into ALARM and out of it once. */
export class AlarmTracker {
  private readonly last = new Map<string, AwsAlarmState['state']>();

  constructor(initial?: Record<string, AwsAlarmState['state']>) {
    for (const [k, v] of Object.entries(initial ?? {})) this.last.set(k, v);
  }

  update(alarms: AwsAlarmState[]): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    for (const a of alarms) {
      if (a.state === 'UNKNOWN') continue; // unknown says nothing about a transition
      const before = this.last.get(a.name);
      if (a.state === 'ALARM' && before !== 'ALARM') out.push({ alarm: a, kind: 'alarm' });
      if (a.state !== 'ALARM' && before === 'ALARM') out.push({ alarm: a, kind: 'resolved' });
      this.last.set(a.name, a.state);
    }
    return out;
  }

  /** For persistence: the states last seen. */
  states(): Record<string, AwsAlarmState['state']> {
    return Object.fromEntries(this.last);
  }
}
