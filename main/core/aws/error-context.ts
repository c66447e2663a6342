/**
 * "Copy error context": the latest CloudWatch errors as Markdown ready to paste into an issue or an assistant —
 * each error with the lines around it in the same log stream, the deployment it happened after, the services'
 * recent events, the alarms' reasons and console links. Secret values are masked as in logs.
 */
// Loaded when the context is built, not at CLI start-up (the SDK takes ~100 ms to load).
const ecsSdk = (): typeof import('@aws-sdk/client-ecs') => require('@aws-sdk/client-ecs');
const logsSdk = (): typeof import('@aws-sdk/client-cloudwatch-logs') =>
  require('@aws-sdk/client-cloudwatch-logs');
import { describeDeployment, type DeploymentIdentity } from '../deployments';
import type { AwsAlarmState, CloudWatchError } from '../state';
import type { AwsClients } from './clients';

export interface ErrorContextInput {
  project: string;
  errors: readonly CloudWatchError[];
  alarms: readonly AwsAlarmState[];
  services: readonly { cluster: string; service: string }[];
  deployment?: DeploymentIdentity;
  clients?: AwsClients;
  /** Masks secret values (the engine's masker). */
  mask: (text: string) => string;
  /** Errors the local log watch notified (newest last), shown beside CloudWatch's. */
  localErrors?: readonly { at: string; title: string; body: string }[];
  /** Lines before and after each error (default 5). */
  around?: number;
  now?: number;
}

const fence = (lines: string[]) => ['```', ...lines.map((l) => l.replace(/```/g, "'''")), '```'];

/** The lines around the error in its stream (GetLogEvents ±2 min), or undefined where they cannot be read. */
async function surroundingLines(
  clients: AwsClients,
  e: CloudWatchError,
  around: number,
): Promise<string[] | undefined> {
  if (!e.logStream) return undefined;
  const t = Date.parse(e.at);
  try {
    const res = await clients.logs.send(
      new (logsSdk().GetLogEventsCommand)({
        logGroupName: e.logGroup,
        logStreamName: e.logStream,
        startTime: t - 120_000,
        endTime: t + 120_000,
        startFromHead: true,
        limit: 500,
      }),
    );
    const events = res.events ?? [];
    const firstLine = e.message.split('\n')[0]!;
    let i = events.findIndex(
      (ev) => ev.timestamp === t && (ev.message ?? '').includes(firstLine.slice(0, 60)),
    );
    if (i < 0) i = events.findIndex((ev) => (ev.timestamp ?? 0) >= t);
    if (i < 0) return undefined;
    return events.slice(Math.max(0, i - around), i + around + 1).map((ev, k, arr) => {
      const mark = arr[k] === events[i] ? '>' : ' ';
      return `${mark} ${new Date(ev.timestamp ?? 0).toISOString()} ${(ev.message ?? '').trimEnd()}`;
    });
  } catch {
    return undefined;
  }
}

async function serviceEvents(
  clients: AwsClients,
  services: readonly { cluster: string; service: string }[],
): Promise<string[]> {
  const out: string[] = [];
  const byCluster = new Map<string, string[]>();
  for (const s of services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s.service]);
  for (const [cluster, names] of byCluster) {
    try {
      const res = await clients.ecs.send(
        new (ecsSdk().DescribeServicesCommand)({ cluster, services: names }),
      );
      for (const svc of res.services ?? []) {
        out.push(`- **${cluster}/${svc.serviceName}** (running ${svc.runningCount}/${svc.desiredCount})`);
        for (const ev of (svc.events ?? []).slice(0, 5))
          out.push(`  - ${ev.createdAt ? new Date(ev.createdAt).toISOString() : ''} ${ev.message ?? ''}`);
      }
    } catch (err) {
      out.push(`- ${cluster}: events unavailable (${(err as Error).message})`);
    }
  }
  return out;
}

/** Builds the Markdown. Never throws: what cannot be read is said so. */
export async function errorContextMarkdown(i: ErrorContextInput): Promise<string> {
  const around = i.around ?? 5;
  const lines: string[] = [`## Errors in ${i.project}`, ''];
  if (i.deployment) {
    lines.push(
      // describeDeployment names the run itself when there is neither a commit nor a deployed item.
      `**Deployment:** ${describeDeployment(i.deployment)} (${i.deployment.commit || i.deployment.items.length ? `run ${i.deployment.runId}, ` : ''}${i.deployment.at})`,
    );
    lines.push(`**Source fingerprint:** ${i.deployment.fingerprint.slice(0, 12)}`, '');
  }
  if (i.errors.length === 0) lines.push('No CloudWatch errors seen by the watch.', '');
  for (const e of i.errors.slice(-3).reverse()) {
    lines.push(
      `### ${e.count} error${e.count === 1 ? '' : 's'} in \`${e.logGroup}\` at ${e.at}${e.deployment ? ` (${e.deployment})` : ''}`,
    );
    if (e.logStream) lines.push(`Stream: \`${e.logStream}\``);
    const ctx = i.clients ? await surroundingLines(i.clients, e, around) : undefined;
    lines.push(...fence(ctx ?? [e.message]));
    lines.push(`[Open in the CloudWatch console](${e.consoleUrl})`, '');
  }
  const local = (i.localErrors ?? []).slice(-5).reverse();
  if (local.length) {
    lines.push('### Local log errors');
    for (const l of local) lines.push(`- ${l.at} **${l.title}**`, ...fence([l.body]).map((x) => `  ${x}`));
    lines.push('');
  }
  const firing = i.alarms.filter((a) => a.state === 'ALARM');
  if (firing.length) {
    lines.push('### Alarms in ALARM');
    for (const a of firing)
      lines.push(`- **${a.name}**${a.metric ? ` (${a.metric})` : ''}: ${a.reason ?? ''}`);
    lines.push('');
  }
  if (i.clients && i.services.length) {
    lines.push('### Recent service events', ...(await serviceEvents(i.clients, i.services)), '');
  }
  return i.mask(lines.join('\n')).trimEnd() + '\n';
}
