/**
 * Phase 6's memory: which deployment is live and whether it is stable. Every run whose aws-deploy phase passed
 * leaves a deployment identity (git commit, source fingerprint, and what each deploy step says it deployed:
 * task-definition revision and image, Lambda version, stack change set, rollout revision…). CloudWatch notices
 * name the deployment they happened after; the quiet period after a deployment decides stable or unstable.
 */

/** Where deployments are kept (the project's history folder; HistoryStore satisfies it). */
export interface StateStorage {
  readState<T>(name: string): T | undefined;
  writeState(name: string, value: unknown): void;
}

/** One thing a deploy step deployed, as its step recorded it. */
export interface DeployedItem {
  step: string;
  kind: string;
  /** One line: "api → dev-api:42 (repo/api:1.4.2)". */
  summary: string;
}

/** What a run deployed. */
export interface DeploymentIdentity {
  runId: string;
  workflow: string;
  /** When its aws-deploy phase passed. */
  at: string;
  fingerprint: string;
  /** git HEAD when deployed (short), if the project is a git work tree. */
  commit?: string;
  items: DeployedItem[];
  /** Deployed by a teammate or CI (the team's evidence): who, and where from. */
  by?: string;
}

const FILE = 'deployments';
const KEEP = 20;

/**
 * Record kinds deploy steps write (ctx.record, in the shapes main/core/aws/steps/ecs-deploy-run.ts,
 * lambda-deploy-run.ts, cloudformation-deploy-run.ts and k8s/eks-rollout-run.ts give them) and how each reads
 * in one line.
 */
const DESCRIBE: Record<string, (d: Record<string, unknown>) => string | undefined> = {
  'ecs-deploy': (d) =>
    d.service
      ? `${String(d.service)} → ${shortArn(d.taskDefinition)}${d.image ? ` (${String(d.image)})` : ''}`
      : undefined,
  'lambda-deploy': (d) =>
    d.function
      ? `${String(d.function)} v${String(d.version ?? '?')}${d.aliasArn ? ` (${String(d.aliasArn).split(':').pop()})` : ''}`
      : undefined,
  'cloudformation-deploy': (d) =>
    d.stack
      ? `stack ${String(d.stack)}${d.result ? ` (${String(d.result)}${d.changeSet ? `, change set ${String(d.changeSet)}` : ''})` : ''}`
      : undefined,
  'eks-rollout': (d) =>
    Array.isArray(d.deployments) && d.deployments.length
      ? (d.deployments as { name?: unknown; revision?: unknown }[])
          .map((x) => `${String(x.name)}${x.revision ? ` rev ${String(x.revision)}` : ''}`)
          .join(', ')
      : undefined,
  deployed: (d) => (typeof d.summary === 'string' ? d.summary : undefined),
};

function shortArn(v: unknown): string {
  const s = String(v ?? '');
  return s.includes('/') ? s.slice(s.lastIndexOf('/') + 1) : s;
}

/** The deployed items among a run's recorded evidence (records of the aws-deploy phase). */
export function deployedItems(records: { step: string; kind: string; data: unknown }[]): DeployedItem[] {
  const out: DeployedItem[] = [];
  for (const r of records) {
    const describe = DESCRIBE[r.kind];
    const data = r.data && typeof r.data === 'object' ? (r.data as Record<string, unknown>) : {};
    if (data.result === 'failed') continue; // a step that continued on error deployed nothing
    const summary = describe?.(data);
    if (summary) out.push({ step: r.step, kind: r.kind, summary });
  }
  return out;
}

/** The deployments recorded for a project, newest last. */
export function readDeployments(storage: Pick<StateStorage, 'readState'>): DeploymentIdentity[] {
  const d = storage.readState<{ version: 1; deployments: DeploymentIdentity[] }>(FILE);
  return d?.version === 1 && Array.isArray(d.deployments) ? d.deployments : [];
}

export function recordDeployment(storage: StateStorage, identity: DeploymentIdentity): void {
  const all = [...readDeployments(storage), identity].slice(-KEEP);
  storage.writeState(FILE, { version: 1, deployments: all });
}

/** "abc1234 · api → dev-api:42 (repo/api:1.4.2)" */
export function describeDeployment(d: DeploymentIdentity): string {
  const what = d.items.map((i) => i.summary).join('; ');
  return [d.commit, what || `run ${d.runId}`].filter(Boolean).join(' · ');
}

/**
 * The deployment that was live at `at`: the newest one recorded at or before it (an error before the first
 * recorded deployment has none). Not simply the newest: an error read late belongs to what ran when it happened.
 */
export function deploymentAt(
  deployments: readonly DeploymentIdentity[],
  at: number,
): DeploymentIdentity | undefined {
  let live: DeploymentIdentity | undefined;
  for (const d of deployments) {
    const t = Date.parse(d.at);
    if (Number.isFinite(t) && t <= at && (!live || t >= Date.parse(live.at))) live = d;
  }
  return live;
}

/**
 * A deployment named by more than its commit: the commit with what its steps deployed (task-definition
 * revision, Lambda version, stack change set) or, for run steps, the run. Two deployments of one commit
 * differ: where their steps report the same thing (a Lambda version republished unchanged), the run is added.
 */
export function deploymentLabel(d: DeploymentIdentity, all: readonly DeploymentIdentity[] = []): string {
  const label = describeDeployment(d);
  const twin = all.some((o) => o.runId !== d.runId && describeDeployment(o) === label);
  return twin ? `${label} (run ${d.runId})` : label;
}

/** "after deploy of abc1234 · api → api:42 (repo/api:1.4.2), 4 min ago" for a notice at `at`. */
export function afterDeployment(
  d: DeploymentIdentity | undefined,
  at: number,
  all: readonly DeploymentIdentity[] = [],
): string | undefined {
  if (!d) return undefined;
  const mins = Math.max(0, Math.round((at - Date.parse(d.at)) / 60_000));
  const ago = mins < 1 ? 'less than a minute' : mins < 120 ? `${mins} min` : `${Math.round(mins / 60)} h`;
  return `after deploy of ${deploymentLabel(d, all)}, ${ago} ago`;
}

/**
 * Each error labelled with the deployment live at its own time (the recorded deployments decide; a label
 * written by an older version stays only where no deployment is recorded).
 */
export function labelErrors<E extends { at: string; deployment?: string }>(
  errors: readonly E[],
  deployments: readonly DeploymentIdentity[],
): E[] {
  if (!deployments.length) return [...errors];
  return errors.map((e) => {
    const t = Date.parse(e.at);
    const { deployment: _old, ...rest } = e;
    const after = afterDeployment(deploymentAt(deployments, t), t, deployments);
    return (after ? { ...rest, deployment: after } : rest) as E;
  });
}

/** What phase 6 says about the latest deployment. */
export interface Phase6Status {
  status: 'idle' | 'watching' | 'stable' | 'unstable' | 'unobserved';
  /** stable: since when; watching: when the deployment happened. */
  since?: string;
  /** unobserved: why there is no evidence either way. */
  reason?: string;
  /** unobserved because the CloudWatch watch fails. */
  blind?: boolean;
  /** watching: when the quiet period ends without a new error. */
  quietUntil?: string;
  firstError?: { at: string; message: string; source?: string };
  deployment?: { runId: string; at: string; summary: string };
  /** The user acknowledged a resolved cause then: the quiet period runs from there, earlier errors set aside. */
  acknowledgedAt?: string;
}

/** The user's word that the cause of phase 6's errors is resolved, for one deployment. */
export interface Phase6Ack {
  runId: string;
  at: string;
}

/** An error or alarm seen by the watch (CloudWatch log errors, alarms going to ALARM, local log errors). */
export interface Phase6Signal {
  at: number;
  message: string;
  source?: string;
}

/** What phase 6 can see of CloudWatch: whether anything is watched there, and why the watch fails now. */
export interface CloudWatchSight {
  /** notify.log-groups or alarms are configured. */
  configured: boolean;
  /** The latest round could not read them: the cause. */
  blind?: string;
}

/** Said when no log group and no alarm is configured: a quiet CloudWatch proves nothing. */
export const NOTHING_TO_WATCH = 'nothing to watch in CloudWatch (notify.log-groups / alarms)';

/**
 * Stable or unstable, as a pure function: after the latest deployment, the first error or alarm makes it
 * unstable; a quiet period with none makes it stable; before that it is being watched. Quiet is evidence
 * only when CloudWatch is watched and seen: with nothing configured, or a watch that fails, it is unobserved.
 */
export function phase6Status(
  latest: DeploymentIdentity | undefined,
  signals: readonly Phase6Signal[],
  o: { now: number; quietMs: number; cloudwatch: CloudWatchSight; ack?: Phase6Ack },
): Phase6Status {
  if (!latest) return { status: 'idle' };
  const deployedAt = Date.parse(latest.at);
  // An acknowledgement of this deployment restarts the quiet period: what came before it is set aside.
  const ackAt = o.ack?.runId === latest.runId ? Date.parse(o.ack.at) : NaN;
  const acked = Number.isFinite(ackAt) && ackAt >= deployedAt;
  const start = acked ? ackAt : deployedAt;
  const by = latest.by ? ` (deployed by ${latest.by})` : '';
  const deployment = { runId: latest.runId, at: latest.at, summary: `${describeDeployment(latest)}${by}` };
  const ack = acked ? { acknowledgedAt: new Date(ackAt).toISOString() } : {};
  const counts = (s: Phase6Signal) => (acked ? s.at > start : s.at >= start) && s.at <= o.now;
  const first = signals.filter(counts).sort((a, b) => a.at - b.at)[0];
  if (first)
    return {
      status: 'unstable',
      since: new Date(first.at).toISOString(),
      firstError: { at: new Date(first.at).toISOString(), message: first.message, source: first.source },
      deployment,
      ...ack,
    };
  const quietUntil = start + o.quietMs;
  const since = new Date(start).toISOString();
  const unseen = !o.cloudwatch.configured
    ? NOTHING_TO_WATCH
    : o.cloudwatch.blind
      ? `cannot see CloudWatch: ${o.cloudwatch.blind}`
      : undefined;
  if (unseen)
    return {
      status: 'unobserved',
      reason: unseen,
      ...(o.cloudwatch.configured ? { blind: true } : {}),
      since,
      quietUntil: new Date(quietUntil).toISOString(),
      deployment,
      ...ack,
    };
  if (o.now >= quietUntil)
    return { status: 'stable', since: new Date(quietUntil).toISOString(), deployment, ...ack };
  return {
    status: 'watching',
    since,
    quietUntil: new Date(quietUntil).toISOString(),
    deployment,
    ...ack,
  };
}
