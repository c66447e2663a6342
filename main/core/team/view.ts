/**
 * `offload team`: what the team's bucket says about the project — the last deploy of each environment (who,
 * when, which commit, from where), who holds the deploy lock, and teammates' recent failed runs. One GET for
 * the lock, one listing of the project's deploy records, one capped listing of its failure records (keyed
 * newest first) and one GET per record shown: the command's and the tray's minute, never the gate's.
 */
import type { TeamFailedRun, TeamView } from '../state';
import type { TeamConfig } from './config';
import { checkRunRecord, keySegment, teamKeys, type TeamActor } from './evidence';
import { leaseOver, parseHolder } from './lock';
import { TeamUnreachable, unreachableCause, type TeamStore } from './store';

/** The most failure records `offload team` and the tray read: the newest, by their keys' order. */
export const MAX_FAILED_KEYS = 10;

/** The most deploy records `offload team` reads the keys of (run ids sort by time, so the last is the latest). */
const MAX_DEPLOY_KEYS = 10_000;

/** Reads the team's view of `project`; an unreachable bucket is said in the view, never thrown. */
export async function readTeamView(
  store: () => TeamStore,
  team: TeamConfig,
  project: string,
  o: { now?: number; me?: TeamActor } = {},
): Promise<TeamView> {
  const now = o.now ?? Date.now();
  const view: TeamView = {
    evidence: `s3://${team.bucket}/${team.prefix}`,
    environment: team.environment,
    lock: null,
    lastDeploys: [],
    failedRuns: [],
    skipped: [],
  };
  try {
    const s = store();
    const lockKey = teamKeys.lock(team, project, team.environment);
    const lock = await s.get(lockKey);
    if (lock) {
      const h = parseHolder(lock.text);
      if (!h) view.skipped.push(`${lockKey}: not an Offload lock`);
      else
        view.lock = {
          who: h.who,
          where: h.where,
          since: h.since,
          runId: h.runId,
          workflow: h.workflow,
          leaseUntil: new Date(Date.parse(h.since) + h.leaseMs).toISOString(),
          stale: leaseOver(h, now),
        };
    }
    const prefix = teamKeys.deploys(team, project, '_').replace(/_\/$/, '');
    const latest = new Map<string, string>();
    for (const key of await s.list(prefix, MAX_DEPLOY_KEYS)) {
      const env = key.slice(prefix.length).split('/')[0] ?? '';
      if ((latest.get(env) ?? '') < key) latest.set(env, key);
    }
    for (const [env, key] of [...latest].sort()) {
      const got = await s.get(key);
      const checked = got ? checkRunRecord(got.text) : { malformed: 'gone' };
      if ('malformed' in checked) {
        view.skipped.push(`${key}: ${checked.malformed}`);
        continue;
      }
      const r = checked.run;
      view.lastDeploys.push({
        environment: env === keySegment(r.environment) ? r.environment : env,
        who: r.who,
        where: r.where,
        at: r.finishedAt ?? r.startedAt,
        status: r.status,
        workflow: r.workflow,
        runId: r.runId,
        ...(r.commit ? { commit: r.commit } : {}),
        deployed: r.deployed.map((d) => d.summary),
        fingerprint: r.fingerprint,
        deployPassed: r.phases.some((p) => p.id === 'aws-deploy' && p.status === 'passed'),
        ...(r.awsIdentity ? { awsIdentity: r.awsIdentity } : {}),
      });
    }
    view.failedRuns = await failedRuns(s, team, project, o.me, view.skipped);
  } catch (err) {
    view.unreachable = err instanceof TeamUnreachable ? err.message : unreachableCause(err, 'GetObject');
  }
  return view;
}

/**
 * Others' recent failed runs: one listing of the project's failure keys, capped (they sort newest first),
 * and one GET per key listed. A run by this user at this place is theirs to know already: left out.
 */
async function failedRuns(
  s: TeamStore,
  team: TeamConfig,
  project: string,
  me: TeamActor | undefined,
  skipped: string[],
): Promise<TeamFailedRun[]> {
  const out: TeamFailedRun[] = [];
  for (const key of await s.list(teamKeys.failures(team, project), MAX_FAILED_KEYS)) {
    const got = await s.get(key);
    const checked = got ? checkRunRecord(got.text) : { malformed: 'gone' };
    if ('malformed' in checked) {
      skipped.push(`${key}: ${checked.malformed}`);
      continue;
    }
    const r = checked.run;
    if (me && r.who === me.who && r.where === me.where) continue;
    const failedPhase = r.phases.find((p) => p.status === 'failed')?.id;
    out.push({
      who: r.who,
      where: r.where,
      at: r.finishedAt ?? r.startedAt,
      workflow: r.workflow,
      runId: r.runId,
      environment: r.environment,
      ...(failedPhase ? { failedPhase } : {}),
      ...(r.commit ? { commit: r.commit } : {}),
      ...(r.awsIdentity ? { awsIdentity: r.awsIdentity } : {}),
    });
  }
  return out;
}
