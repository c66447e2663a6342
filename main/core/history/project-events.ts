/**
 * The project journal's events, one discriminated union (as run events are): what the AWS watch observed
 * (gate transitions, alarm transitions, new CloudWatch errors), what the machine and local logs told
 * (pressure raised and cleared, local log errors) and what the rule and the user did (models stopped, config
 * switched, rule actions). Writers name a kind and get its data's type checked; readers get
 * entries back validated, never cast.
 */
import type {
  AwsAlarmState,
  AwsEndpointState,
  AwsServiceState,
  AwsSnapshot,
  ModelProcess,
  StopOutcome,
} from '../vocabulary';

/** The gate's evidence as the journal keeps it. */
export interface GateEvidence {
  services: AwsServiceState[];
  endpoints: AwsEndpointState[];
  alarms: AwsAlarmState[];
}

/** A model server as a rule action names it. */
export type ModelBrief = Pick<ModelProcess, 'pid' | 'title'> & Partial<ModelProcess>;

/** One switched file, as the journal keeps it. */
export interface SwitchedFile {
  path: string;
  changed: string[];
  restoredBackup: boolean;
  remembered?: string[];
}

/** What the rule did (or offered), with its evidence. */
export type RuleAction =
  | { action: 'notify-ready'; policy: string; models: ModelBrief[]; evidence: unknown }
  | {
      action: 'config-switch';
      target: 'aws';
      trigger?: string;
      files?: SwitchedFile[];
      evidence?: unknown;
      error?: string;
    }
  | { action: 'verify'; result: { status: string; summary?: string } | null }
  | { action: 'notify-not-ready'; reason: string; evidence?: unknown; trigger?: string }
  | { action: 'notify-model-running'; models: ModelBrief[] }
  | { action: 'stop-local-models'; trigger: string; outcomes: StopOutcome[]; evidence: unknown }
  | { action: 'offer-back-to-local'; policy: string; reason: string; minutes: number; forMs?: number }
  | { action: 'model-restarted'; model: ModelBrief; by: { pid: number; name?: string }; message: string }
  | { action: 'skip-shutdown'; reason: string }
  | { action: 'model-needs-confirmation'; model: ModelBrief; message: string };

/** Every event the project journal holds. */
export type ProjectEvent =
  | {
      kind: 'aws-gate';
      data: { from: AwsSnapshot['gate']; to: AwsSnapshot['gate']; reason?: string; evidence: GateEvidence };
    }
  | {
      kind: 'cloudwatch-alarm';
      data: {
        name: string;
        transition: 'alarm' | 'resolved';
        state: string;
        metric?: string;
        reason?: string;
      };
    }
  | {
      kind: 'cloudwatch-errors';
      data: {
        logGroup: string;
        count: number;
        first: { at: number; eventId?: string; message: string; stream?: string };
        deployment?: string;
        consoleUrl: string;
      };
    }
  | {
      kind: 'stop-local-models';
      /** `step`: a workflow's stop-local-models step (e.g. in `shutdown`); `user`: the CLI, tray or window. */
      data: { trigger: 'user' | 'step'; reason?: string; outcomes: StopOutcome[] };
    }
  | { kind: 'local-errors'; data: { title: string; body: string; item?: string } }
  | {
      kind: 'pressure';
      data: { transition: 'raised' | 'cleared'; id: string; message: string; since: string };
    }
  | {
      kind: 'config-switch';
      data: {
        trigger: string;
        target: 'aws' | 'local';
        files?: SwitchedFile[];
        refused?: string;
        forced?: boolean;
        gate?: string;
        localModels?: { ok: boolean; command: string; pid?: number; reason: string };
      };
    }
  | { kind: 'rule-action'; data: RuleAction }
  | {
      /** The user acknowledged phase 6's errors as resolved: the quiet period restarted without a redeploy. */
      kind: 'phase6-ack';
      data: { runId: string; deployment: string; by: 'cli' | 'tray' | 'window'; firstError?: string };
    };

export type ProjectEventKind = ProjectEvent['kind'];
/** The data an event of kind K carries. */
export type ProjectEventData<K extends ProjectEventKind> = Extract<ProjectEvent, { kind: K }>['data'];
/** An event as read back from the journal, with when it was written. */
export type JournalEntry = ProjectEvent & { at: string };

/** Where project events are written (HistoryStore satisfies it; tests pass an array's push). */
export interface ProjectJournal {
  appendProjectEvent<K extends ProjectEventKind>(kind: K, data: ProjectEventData<K>): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';
const isString = (v: unknown): v is string => typeof v === 'string';

/** Shape checks of the read-back data, per kind (a journal from an older version or a hand edit may differ). */
const VALID: { [K in ProjectEventKind]: (d: Record<string, unknown>) => boolean } = {
  'aws-gate': (d) => isString(d.from) && isString(d.to) && isObject(d.evidence),
  'cloudwatch-alarm': (d) => isString(d.name) && (d.transition === 'alarm' || d.transition === 'resolved'),
  'cloudwatch-errors': (d) =>
    isString(d.logGroup) &&
    typeof d.count === 'number' &&
    isObject(d.first) &&
    typeof d.first.at === 'number' &&
    isString(d.first.message),
  'stop-local-models': (d) => Array.isArray(d.outcomes),
  'local-errors': (d) => isString(d.title) && isString(d.body),
  pressure: (d) => (d.transition === 'raised' || d.transition === 'cleared') && isString(d.message),
  'config-switch': (d) => d.target === 'aws' || d.target === 'local',
  'rule-action': (d) => isString(d.action),
  'phase6-ack': (d) => isString(d.runId) && isString(d.by),
};

/** The entry as a typed event, or undefined when its kind is unknown or its data has another shape. */
export function parseJournalEntry(raw: {
  at: string;
  kind: string;
  data: unknown;
}): JournalEntry | undefined {
  if (!Object.hasOwn(VALID, raw.kind) || !isObject(raw.data)) return undefined;
  const kind = raw.kind as ProjectEventKind;
  if (!VALID[kind](raw.data)) return undefined;
  return raw as JournalEntry;
}

/** The journal's typed entries (oldest first), dropping what does not parse. */
export function parseJournal(raw: readonly { at: string; kind: string; data: unknown }[]): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const r of raw) {
    const e = parseJournalEntry(r);
    if (e) out.push(e);
  }
  return out;
}
