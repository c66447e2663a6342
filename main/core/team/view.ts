/**
 * `offload team`: what the team's bucket says about the project — the last deploy of each environment (who,
 * when, which commit, from where) and who holds the deploy lock. One GET for the lock and one listing of the
 * project's deploy records (the command's, never the gate's).
 */
import type { TeamView } from '../state';
import type { TeamConfig } from './config';
import { checkRunRecord, keySegment, teamKeys } from './evidence';
import { leaseOver, parseHolder } from './lock';
import { TeamUnreachable, unreachableCause, type TeamStore } from './store';

/** The most deploy records `offload team` reads the keys of (run ids sort by time, so the last is the latest). */
const MAX_DEPLOY_KEYS = 10_000;

/** Reads the team's view of `project`; an unreachable bucket is said in the view, never thrown. */
export async function readTeamView(
  store: () => TeamStore,
  team: TeamConfig,
  project: string,
  now = Date.now(),
): Promise<TeamView> {
  const view: TeamView = {
    evidence: `s3://${team.bucket}/${team.prefix}`,
    environment: team.environment,
    lock: null,
    lastDeploys: [],
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
      });
    }
  } catch (err) {
    view.unreachable = err instanceof TeamUnreachable ? err.message : unreachableCause(err, 'GetObject');
  }
  return view;
}
