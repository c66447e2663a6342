/**
 * Phase 6's signals: the errors and alarms that make a deployment unstable. They come from the journal
 * (earlier sessions, another process's watch) and from live notices, routed by the notice's typed source —
 * never by its wording.
 */
import type { JournalEntry } from '../history/project-events';
import type { CloudWatchError, Notice } from '../vocabulary';
import type { Phase6Signal } from './index';

/** The CloudWatch errors among journal events (newest last), as the watch reported them. */
export function journalErrors(events: readonly JournalEntry[]): CloudWatchError[] {
  const out: CloudWatchError[] = [];
  for (const e of events) {
    if (e.kind !== 'cloudwatch-errors') continue;
    const d = e.data;
    out.push({
      logGroup: d.logGroup,
      at: new Date(d.first.at).toISOString(),
      message: d.first.message,
      count: d.count,
      consoleUrl: d.consoleUrl ?? '',
      ...(d.first.stream ? { logStream: d.first.stream } : {}),
      ...(typeof d.deployment === 'string' ? { deployment: d.deployment } : {}),
    });
  }
  return out;
}

/** Errors and alarms going to ALARM that the journal kept, as phase 6 signals (oldest first). */
export function journalSignals(events: readonly JournalEntry[]): Phase6Signal[] {
  const signals: Phase6Signal[] = journalErrors(events).map((e) => ({
    at: Date.parse(e.at),
    message: e.message || 'error',
    source: e.logGroup,
  }));
  for (const e of events) {
    if (e.kind === 'cloudwatch-alarm' && e.data.transition === 'alarm') {
      signals.push({
        at: Date.parse(e.at),
        message: `alarm ${e.data.name}: ${e.data.reason ?? 'in ALARM'}`,
        source: e.data.name,
      });
    }
  }
  return signals;
}

/** A live notice as a phase 6 signal: CloudWatch errors and alarms (not local logs, not the machine). */
export function noticeSignal(n: Notice): Phase6Signal | undefined {
  if (n.level !== 'error') return undefined;
  if (n.source !== 'cloudwatch-logs' && n.source !== 'cloudwatch-alarm') return undefined;
  return { at: Date.parse(n.at), message: `${n.title}: ${n.body}`, source: n.target.item };
}
