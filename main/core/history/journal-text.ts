/**
 * The project journal as people read it: one line per entry saying what happened and why (the gate's
 * observations, which servers were stopped and how, what was freed, switches, verifications, offers), for
 * `offload journal` and the window. Pure: entries in, lines out.
 */
import { formatBytes, formatDurationCompact } from '../format';
import type { StopOutcome } from '../vocabulary';
import type { GateEvidence, JournalEntry, RuleAction, SwitchedFile } from './project-events';

/** One journal entry, read back: when, what kind, the sentence, and the entry's own data. */
export interface JournalLine {
  at: string;
  kind: JournalEntry['kind'];
  text: string;
  data: JournalEntry['data'];
}

/** The entries written at or after `sinceMs` (epoch ms; all when undefined), each with its sentence. */
export function journalLines(entries: readonly JournalEntry[], sinceMs?: number): JournalLine[] {
  return entries
    .filter((e) => sinceMs === undefined || Date.parse(e.at) >= sinceMs)
    .map((e) => ({ at: e.at, kind: e.kind, text: journalText(e), data: e.data }));
}

/** What one journal entry says, in one line. */
export function journalText(e: JournalEntry): string {
  switch (e.kind) {
    case 'aws-gate':
      return `AWS gate ${e.data.from} → ${e.data.to}${e.data.reason ? `: ${e.data.reason}` : ''}${observed(e.data.evidence)}`;
    case 'cloudwatch-alarm':
      return `alarm ${e.data.name} ${e.data.transition === 'alarm' ? 'went to ALARM' : 'resolved'}${e.data.reason ? `: ${e.data.reason}` : ''}`;
    case 'cloudwatch-errors':
      return `${e.data.count} new error${e.data.count === 1 ? '' : 's'} in ${e.data.logGroup}${e.data.deployment ? ` (${/^after /.test(e.data.deployment) ? '' : 'after '}${e.data.deployment})` : ''}: ${oneLine(e.data.first.message)}`;
    case 'local-errors':
      return `${e.data.title}: ${oneLine(e.data.body)}`;
    case 'pressure':
      return e.data.transition === 'raised'
        ? `machine under pressure: ${oneLine(e.data.message)}`
        : `pressure over (${e.data.id}, since ${e.data.since})`;
    case 'stop-local-models':
      return `${e.data.trigger === 'step' ? 'a workflow step' : 'you'} stopped model servers${e.data.reason ? ` (${e.data.reason})` : ''}: ${outcomes(e.data.outcomes)}`;
    case 'config-switch': {
      const d = e.data;
      const who = d.trigger === 'user' ? 'you' : d.trigger;
      if (d.refused) return `switch to ${d.target} refused (${who}): ${d.refused}`;
      const models = d.localModels
        ? `; local models ${d.localModels.ok ? 'started' : 'did not start'}: ${d.localModels.reason}`
        : '';
      return `config switched to ${d.target} (${who}${d.forced ? `, forced past: ${d.gate ?? ''}` : ''})${files(d.files)}${models}`;
    }
    case 'rule-action':
      return actionText(e.data);
    case 'phase6-ack':
      return `phase 6: cause acknowledged as resolved in the ${e.data.by} (${e.data.deployment}); the quiet period starts again`;
  }
}

function actionText(a: RuleAction): string {
  switch (a.action) {
    case 'notify-ready':
      return `AWS ready: told the user (policy ${a.policy})${a.models.length ? `; model servers running: ${a.models.map((m) => `${m.title} (pid ${m.pid})`).join(', ')}` : ''}`;
    case 'config-switch':
      return a.error
        ? `rule: config switch to AWS failed: ${a.error}`
        : `rule: config switched to AWS (${a.trigger ?? 'rule'})${files(a.files)}`;
    case 'verify':
      return !a.result
        ? 'rule: verification gave no result'
        : a.result.status === 'passed'
          ? `rule: verified against AWS${a.result.summary ? ` (${a.result.summary})` : ''}`
          : `rule: verification ${a.result.status}${a.result.summary ? `: ${a.result.summary}` : ''}`;
    case 'notify-not-ready':
      return `AWS not ready: told the user${a.reason ? ` — ${a.reason}` : ''}${a.trigger ? ` (${a.trigger})` : ''}`;
    case 'notify-model-running':
      return `model server running while AWS is ready, reported: ${a.models.map((m) => `${m.title} (pid ${m.pid})`).join(', ')}`;
    case 'stop-local-models':
      return `rule stopped model servers (${a.trigger}): ${outcomes(a.outcomes)}`;
    case 'offer-back-to-local':
      return `offered back to local after ${a.forMs !== undefined ? formatDurationCompact(a.forMs) : `${a.minutes} min`} not ready (policy ${a.policy}): ${a.reason}`;
    case 'model-restarted':
      return `${a.model.title} (pid ${a.model.pid}) is restarted by pid ${a.by.pid}${a.by.name ? ` (${a.by.name})` : ''}: reported, not stopped again`;
    case 'skip-shutdown':
      return `shutdown not run: ${a.reason}`;
    case 'model-needs-confirmation':
      return `${a.model.title} (pid ${a.model.pid}) not stopped without your confirmation: ${a.message}`;
  }
}

/** "Ollama (pid 12) stopped via SIGTERM, freed 1.2 GiB RAM". */
function outcomes(list: readonly StopOutcome[]): string {
  if (list.length === 0) return 'none running';
  return list
    .map((o) => {
      const how = o.how.length ? ` via ${o.how.join(', ')}` : '';
      const freed =
        o.result === 'stopped' && o.freed
          ? `, freed ${formatBytes(o.freed.rssBytes)} RAM${o.freed.gpuMemBytes ? `, ${formatBytes(o.freed.gpuMemBytes)} VRAM` : ''}`
          : '';
      const f = o.freeAfter;
      const free = f
        ? ` (free after: ${formatBytes(f.ramAvailableBytes)} RAM${f.vramFreeBytes !== undefined ? `, ${formatBytes(f.vramFreeBytes)} VRAM` : ''})`
        : '';
      return `${o.title} (pid ${o.pid}) ${o.result}${how}${freed}${free}${o.reason ? ` — ${o.reason}` : ''}`;
    })
    .join('; ');
}

function files(list: readonly SwitchedFile[] | undefined): string {
  if (!list?.length) return '';
  return `: ${list.map((f) => `${f.path}${f.changed.length ? ` (${f.changed.join(', ')})` : ''}`).join(', ')}`;
}

/** The gate's observations, briefly: each endpoint's, service's and alarm's state. */
function observed(ev: Partial<GateEvidence> | undefined): string {
  const parts = [
    ...(ev?.endpoints ?? []).map(
      (x) => `${x.name} ${x.status}${x.lastResult ? ` (${oneLine(x.lastResult)})` : ''}`,
    ),
    ...(ev?.services ?? []).map(
      (x) => `${x.service} ${x.status}${x.running !== undefined ? ` ${x.running}/${x.desired ?? '?'}` : ''}`,
    ),
    ...(ev?.alarms ?? []).map((x) => `${x.name} ${x.state}`),
  ];
  return parts.length ? ` — observed: ${parts.join(', ')}` : '';
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);
