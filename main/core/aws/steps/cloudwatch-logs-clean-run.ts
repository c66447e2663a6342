/** The `cloudwatch-logs-clean` step kind's run code (what its steps do), loaded on first use. */
import type { CloudWatchLogsClient, FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { durationMs } from '../../units';
import { formatDurationCompact } from '../../format';
import { DEFAULT_FILTER_PATTERN } from '../../notify/config';
import { awsFailure, sleep, withClients } from '../step-support';
import type { LogsCleanSpec } from './cloudwatch-logs-clean';

const logsSdk = (): typeof import('@aws-sdk/client-cloudwatch-logs') =>
  require('@aws-sdk/client-cloudwatch-logs');

/** Lines shown in a failure. */
export const SHOWN_LINES = 5;
const MAX_PAGES = 5;

/** The run's start time from its id (`20250114-093012-345-7f3a9c`, UTC); undefined for other ids. */
export function runStartTime(runId: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})-/.exec(runId);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  const t = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * The CloudWatch console's Logs Insights-free view of one group (and stream) with the same filter and time
 * range. The console's fragment encodes each value twice and writes `%` as `$`.
 */
export function consoleLink(
  region: string | undefined,
  group: string,
  o: { stream?: string; pattern?: string; start?: number; end?: number } = {},
): string | undefined {
  if (!region) return undefined;
  const enc = (s: string) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');
  const sep = (s: string) => encodeURIComponent(s).replace(/%/g, '$');
  const query = [
    o.pattern ? `filterPattern${sep('=')}${enc(o.pattern)}` : undefined,
    o.start !== undefined ? `start${sep('=')}${o.start}` : undefined,
    o.end !== undefined ? `end${sep('=')}${o.end}` : undefined,
  ]
    .filter(Boolean)
    .join(sep('&'));
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${enc(group)}/log-events${o.stream ? `/${enc(o.stream)}` : ''}${query ? `${sep('?')}${query}` : ''}`;
}

interface GroupMatches {
  group: string;
  events: FilteredLogEvent[];
  /** More matches exist than were read. */
  more: boolean;
}

async function matchesIn(
  logs: CloudWatchLogsClient,
  group: string,
  pattern: string,
  start: number,
  end: number,
  signal: AbortSignal,
): Promise<GroupMatches> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const res = await logs.send(
      new (logsSdk().FilterLogEventsCommand)({
        logGroupName: group,
        startTime: start,
        endTime: end,
        filterPattern: pattern,
        nextToken,
      }),
      { abortSignal: signal },
    );
    events.push(...(res.events ?? []));
    nextToken = res.nextToken;
    pages++;
  } while (nextToken && pages < MAX_PAGES);
  events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  return { group, events, more: Boolean(nextToken) };
}

const hhmmss = (t: number) => new Date(t).toISOString().slice(11, 19);
const oneLine = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);

/** Searches the groups for the pattern since the run started (or `since`), once or while watching. */
export async function executeCloudwatchLogsClean(
  ctx: StepContext,
  step: ResolvedStep<LogsCleanSpec>,
): Promise<StepResult> {
  const spec = step.spec;
  const pattern = spec.pattern ?? DEFAULT_FILTER_PATTERN;
  const fromRun = runStartTime(ctx.runId);
  const start =
    spec.since !== undefined
      ? Date.now() - durationMs(spec.since, 0, 'since')
      : (fromRun ?? Date.now() - 15 * 60_000);
  const watchMs = durationMs(spec.watch, 0, 'watch');
  const intervalMs = durationMs(spec.interval, 15_000, 'interval');
  const sinceText = `${new Date(start).toISOString().replace('T', ' ').slice(0, 19)} UTC${spec.since === undefined && fromRun === undefined ? ' (the last 15m: the run id carries no start time)' : spec.since === undefined ? ' (the start of this run)' : ''}`;
  ctx.log(`searching ${spec['log-groups'].join(', ')} for \`${pattern}\` since ${sinceText}`, 'info');
  const deadline = Date.now() + watchMs;
  let group = spec['log-groups'][0]!;
  try {
    return await withClients(ctx, async (c) => {
      for (let check = 1; ; check++) {
        const end = Date.now();
        const found: GroupMatches[] = [];
        for (group of spec['log-groups']) {
          const m = await matchesIn(c.logs, group, pattern, start, end, ctx.signal);
          if (m.events.length > 0) found.push(m);
          else if (check === 1) ctx.log(`${group}: no matching line`, 'info');
        }
        if (found.length > 0) {
          const all = found
            .flatMap((m) => m.events.map((e) => ({ group: m.group, e })))
            .sort((a, b) => (a.e.timestamp ?? 0) - (b.e.timestamp ?? 0));
          const total = all.length;
          const more = found.some((m) => m.more);
          ctx.log(
            `${more ? 'at least ' : ''}${total} matching line${total === 1 ? '' : 's'} since ${sinceText}:`,
            'stderr',
          );
          for (const { group: g, e } of all.slice(0, SHOWN_LINES)) {
            ctx.log(
              `  ${hhmmss(e.timestamp ?? 0)} ${g} [${e.logStreamName ?? '?'}] ${oneLine(e.message)}`,
              'stderr',
            );
          }
          for (const m of found) {
            const link = consoleLink(c.region, m.group, { pattern, start, end });
            if (link) ctx.log(`  ${m.group}: ${link}`, 'stderr');
          }
          ctx.setOutput('matches', String(total));
          ctx.record('cloudwatch-logs-clean', {
            result: 'failed',
            since: start,
            pattern,
            groups: found.map((m) => ({ group: m.group, matches: m.events.length, more: m.more })),
            first: all.slice(0, SHOWN_LINES).map(({ group: g, e }) => ({
              group: g,
              stream: e.logStreamName,
              timestamp: e.timestamp,
              message: oneLine(e.message),
            })),
          });
          const first = all[0]!;
          return {
            status: 'failed' as const,
            summary: `${more ? 'at least ' : ''}${total} error line${total === 1 ? '' : 's'} in ${found.map((m) => m.group).join(', ')} since ${hhmmss(start)} UTC; first: [${first.e.logStreamName ?? '?'}] ${oneLine(first.e.message).slice(0, 160)}`,
          };
        }
        if (Date.now() + intervalMs > deadline) {
          ctx.setOutput('matches', '0');
          ctx.record('cloudwatch-logs-clean', { result: 'passed', since: start, pattern, checks: check });
          const span = formatDurationCompact(end - start);
          return {
            status: 'passed' as const,
            summary: `no line matching \`${pattern}\` in ${spec['log-groups'].length} log group${spec['log-groups'].length === 1 ? '' : 's'} over the last ${span}${check > 1 ? ` (${check} checks)` : ''}`,
          };
        }
        ctx.log(`clean so far (check ${check}); watching until ${hhmmss(deadline)} UTC`, 'info');
        await sleep(intervalMs, ctx.signal);
      }
    });
  } catch (err) {
    return awsFailure(ctx, err, 'logs:FilterLogEvents', `log group ${group}`);
  }
}
