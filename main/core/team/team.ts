/**
 * The team gate for one project: the engine asks it (a) for teammates' and CI's passes of the current
 * fingerprint when its own history lacks them (one GET each, by key), (b) for the environment's deploy lock
 * before aws-prepare/aws-deploy, and (c) to record the finished run. Nothing here stops the local rule from
 * working: an unreachable bucket is said once and its records wait in the queue.
 */
import os from 'node:os';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from '../aws/clients';
import type { ProjectEffects } from '../boundary';
import type { OffloadConfig } from '../config/types';
import { deployedItems } from '../deployments';
import { runGit } from '../boundary/git';
import type { RunSnapshot } from '../vocabulary';
import { addTeamPasses } from './gate-passes';
import { readTeamView } from './view';
import type { TeamRun, TeamRunFactory } from './team-run';
import type { PhaseId } from '../workflow/types';
import type { TeamConfig } from './config';
import { checkPassRecord, passEvidence, runEvidence, runWhere, teamKeys, type TeamActor } from './evidence';
import { acquireTeamLock, parseHolder, TeamLockHeld, type TeamLockHolder } from './lock';
import { callerIdentity, identityKey } from './identity';
import { enqueue, flushQueue, queueFile, type QueuedWrite } from './queue';
import { s3TeamStore, TeamUnreachable, unreachableCause, type TeamStore } from './store';

/** The phases that change the environment: one run at a time per environment holds them. */
export const LOCKED_PHASES: readonly PhaseId[] = ['aws-prepare', 'aws-deploy'];

/** A deployment that started changed the environment, whatever its end: the team's "last deploy" shows it. */
const DEPLOY_STARTED: readonly string[] = ['running', 'passed', 'failed', 'cancelled'];

/** What the team needs from the composition root. */
export interface TeamOptions {
  config: OffloadConfig;
  team: TeamConfig;
  /** The project's boundary: it builds the S3 client (EffectRefused where the project's trust forbids it). */
  effects: () => Pick<ProjectEffects, 'awsClients'>;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** One line to the user (stderr in the CLI, a notice in the tray). */
  say: (line: string) => void;
}

/** Who is running: the git author of this checkout (else the CI actor or the OS user) — and where. */
export async function teamActor(dir: string, env: NodeJS.ProcessEnv): Promise<TeamActor> {
  const [name, email] = await Promise.all(
    ['user.name', 'user.email'].map(async (k) => {
      const r = await runGit(dir, ['config', k]);
      return r.code === 0 ? r.stdout.toString().trim() : '';
    }),
  );
  const who =
    (name && email ? `${name} <${email}>` : name || email) ||
    env.GITHUB_ACTOR ||
    env.GITLAB_USER_LOGIN ||
    os.userInfo().username;
  return { who, where: runWhere(env, os.hostname()) };
}

/** Who (the git author, and the AWS caller identity or why it is unknown) and where; asked once per team. */
async function whoAmI(
  dir: string,
  env: NodeJS.ProcessEnv,
  identity: string,
  sts: () => STSClient,
): Promise<TeamActor> {
  const [a, id] = await Promise.all([teamActor(dir, env), callerIdentity(identity, sts)]);
  return { ...a, ...('arn' in id ? { awsIdentity: id.arn } : { awsIdentityError: id.error }) };
}

/** The team gate of one project. */
export function createTeam(o: TeamOptions) {
  const { config, team } = o;
  const env = o.env ?? process.env;
  const project = config.name;
  let store: TeamStore | undefined;
  let clients: AwsClients | undefined;
  const aws = {
    ...config.aws,
    region: team.region ?? config.aws.region,
    profile: team.profile ?? config.aws.profile,
  };
  const getClients = (): AwsClients => (clients ??= o.effects().awsClients(aws, { ...env, ...config.env }));
  const getStore = (): TeamStore => (store ??= s3TeamStore(getClients().s3, team.bucket));
  const queue = queueFile(o.dataDir, project);
  let saidUnreachable = false;
  const unreachable = (err: unknown, action: string): void => {
    if (saidUnreachable) return;
    saidUnreachable = true;
    const cause = err instanceof TeamUnreachable ? err.message : unreachableCause(err, action);
    o.say(`team evidence unreachable: ${cause}`);
  };
  let actor: Promise<TeamActor> | undefined;
  let mine: Promise<TeamActor> | undefined;
  const me = () =>
    (actor ??= whoAmI(
      config.dir,
      env,
      identityKey({ ...aws, env: { ...env, ...config.env } }),
      () => getClients().sts,
    ));

  /** A pass of `phase` for `fingerprint` by anyone on the team, with who and where; one GET. */
  const teamPass = async (phase: PhaseId, fingerprint: string) => {
    const key = teamKeys.pass(team, project, phase, fingerprint);
    let got;
    try {
      got = await getStore().get(key);
    } catch (err) {
      unreachable(err, 'GetObject');
      return undefined;
    }
    if (!got) return undefined;
    const checked = checkPassRecord(got.text, { project, phase, fingerprint });
    if ('malformed' in checked) {
      o.say(`team evidence: skipped ${key}: ${checked.malformed}`);
      return undefined;
    }
    return checked.pass;
  };

  const openRun: TeamRunFactory = (run) => {
    void me(); // who (git author, caller identity) is asked while the run starts, not on the lock's path
    let release: (() => Promise<void>) | undefined;
    let told = false;
    const consulted = new Map<PhaseId, Awaited<ReturnType<typeof teamPass>>>();
    const lookUp = async (phase: PhaseId) => {
      if (!consulted.has(phase)) consulted.set(phase, await teamPass(phase, run.fingerprint));
      return consulted.get(phase);
    };
    const letGo = async () => {
      const r = release;
      release = undefined;
      try {
        await r?.();
      } catch (err) {
        unreachable(err, 'DeleteObject');
      }
    };
    return {
      async withTeamPasses(state) {
        // A run of the local phase only needs nothing from the team (and asks it nothing).
        if (!run.phases.some((p) => p !== 'local')) return state;
        const { state: out, counted } = await addTeamPasses(state, run.fingerprint, lookUp);
        for (const p of counted.filter((c) => c.phase === 'local' && !told)) {
          told = true;
          o.say(
            `local phase passed for this source by ${p.who} at ${p.where} (run ${p.runId}, ${p.at}): it counts for the gate`,
          );
        }
        return out;
      },
      async beforePhase(phase) {
        if (!LOCKED_PHASES.includes(phase)) {
          await letGo();
          return undefined;
        }
        if (release) return undefined;
        const holder: TeamLockHolder = {
          version: 1,
          kind: 'offload-lock',
          project,
          environment: team.environment,
          runId: run.runId,
          workflow: run.workflow,
          since: new Date().toISOString(),
          leaseMs: team.leaseMs,
          ...(await me()),
        };
        try {
          release = await acquireTeamLock(
            getStore(),
            teamKeys.lock(team, project, team.environment),
            holder,
            {
              waitMs: run.waitForLockMs,
              signal: run.abort?.signal,
              say: o.say,
            },
          );
          return undefined;
        } catch (err) {
          if (err instanceof TeamLockHeld) return `deploy lock: ${err.message}`;
          unreachable(err, 'PutObject');
          return `deploy lock unavailable: team evidence unreachable (${err instanceof Error ? err.message : String(err)}); one deploy at a time per environment needs the team bucket`;
        }
      },
      async finish(snap, records) {
        await letGo();
        if (!snap) return;
        try {
          const flushed = await recordRun(getStore, queue, snap, records, {
            project,
            team,
            dir: config.dir,
            actor: await me(),
          });
          if (flushed.error) unreachable(flushed.error, 'PutObject');
        } catch (err) {
          unreachable(err, 'PutObject');
        }
      },
    };
  };

  return {
    openRun,
    /** Closes the S3 client. */
    dispose(): void {
      clients?.destroy();
    },
    /** The team's view: last deploy per environment, the lock's holder (unreachable: said in it). */
    view: async () =>
      readTeamView(getStore, team, project, { me: await (mine ??= teamActor(config.dir, env)) }),
    /** Forces the environment's lock open (`offload unlock`); returns who held it, if anyone. */
    unlock: () => forceUnlock(getStore(), teamKeys.lock(team, project, team.environment)),
  };
}

/** Removes the lock at `key` whatever it holds; who held it, if anyone. */
async function forceUnlock(store: TeamStore, key: string): Promise<string | undefined> {
  const there = await store.get(key);
  await store.remove(key);
  if (!there) return undefined;
  const h = parseHolder(there.text);
  return h ? `${h.who} at ${h.where} since ${h.since} (${h.workflow}, run ${h.runId})` : 'a malformed lock';
}

/** Writes the run's records (the queue first, then this run's); what cannot be written waits in the queue. */
async function recordRun(
  store: () => TeamStore,
  queue: string,
  snap: RunSnapshot,
  records: Parameters<TeamRun['finish']>[1],
  o: { project: string; team: TeamConfig; dir: string; actor: TeamActor },
): Promise<{ written: number; error?: unknown }> {
  const { project, team } = o;
  const head = await runGit(o.dir, ['rev-parse', 'HEAD']);
  const commit = head.code === 0 ? head.stdout.toString().trim() : undefined;
  const run = runEvidence(snap, {
    project,
    environment: team.environment,
    ...(commit ? { commit } : {}),
    deployed: deployedItems(records.filter((r) => r.phase === 'aws-deploy')),
    actor: o.actor,
  });
  const writes: QueuedWrite[] = [
    { key: teamKeys.run(team, project, run.runId), body: JSON.stringify(run) },
    ...passEvidence(run).map((p) => ({
      key: teamKeys.pass(team, project, p.phase, p.fingerprint),
      body: JSON.stringify(p),
    })),
  ];
  if (run.status === 'failed')
    writes.push({
      key: teamKeys.failure(team, project, Date.parse(run.finishedAt ?? run.startedAt), run.runId),
      body: JSON.stringify(run),
    });
  if (run.phases.some((p) => p.id === 'aws-deploy' && DEPLOY_STARTED.includes(p.status)))
    writes.push({
      key: `${teamKeys.deploys(team, project, team.environment)}${run.runId}.json`,
      body: JSON.stringify(run),
    });
  enqueue(queue, writes);
  try {
    return await flushQueue(queue, store());
  } catch (error) {
    return { written: 0, error };
  }
}
