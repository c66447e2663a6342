/**
 * An open project: its engine, step services, rule, AWS watch, phase-6 watch, local log watch and file
 * watches, held by one disposable store. The constructor opens all of it (the watches only when asked);
 * dispose() closes it. The commands that act on one project (run, switch, the AWS gate, the error context)
 * live here; the composition root only delegates to them.
 */
import { projectEffects, type ProjectEffects } from '../boundary';
import type { AwsWatch } from '../aws/watch';
import { readLiveGate } from '../aws/live-gate';
import { secretNames } from '../config/load';
import { Phase6Watch } from '../deployments/phase6-watch';
import { labelErrors } from '../deployments';
import { deployedSource, driftOf } from '../deployments/drift';
import { journalErrors } from '../deployments/signals';
import type { MachineWatch } from '../machine';
import { Notifier } from '../notify';
import { removeStaleTemps } from '../platform/atomic-file';
import type { OpenedProject } from '../project';
import { STEP_KINDS } from '../registry';
import { createRuleWiring, type RuleWiring, type SwitchOutcome } from '../rule/wire';
import { createStepServices } from '../services';
import { trustStatus, UntrustedProject, type TrustStatus, type TrustSubject } from '../trust';
import { DisposableStore } from '../units/disposable';
import type { AwsSnapshot, DriftState, Phase6State, RunSummary, WorkflowAvailability } from '../vocabulary';
import type { Phase6AckBy } from '../deployments/ack';
import { Masker } from '../workflow/mask';
import { Engine, noStepsReason, workflowHasSteps } from '../workflow/engine';
import { changedFiles } from '../workflow/fingerprint';
import type { EngineEvent } from '../workflow/types';
import { gateByTrust } from './trust-gate';
import type { createTeam } from '../team/team';
import type { TeamWatch } from '../team/team-watch';
import { newerDeployed, teamDeployment, type TeamDeployment } from '../team/team-deployment';
import { settleHeapAfterStart } from '../machine/settle-heap';

/** The gate as a front end reads it: this process's, a live watch's in another process, or asked now. */
export type AwsGateView = AwsSnapshot & { live?: { pid: number; since: string } };

export interface OpenProjectOptions {
  project: OpenedProject;
  trust: TrustSubject;
  /** The trust as just read for this subject (the session read it to choose the machine watch's rights). */
  trustNow: TrustStatus;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  notifier: Notifier;
  machine: MachineWatch;
  /** Start the AWS watch, the rule's reactions, the local log watch and the file watches. */
  watch: boolean;
  monitoringPaused: boolean;
  fileChangeDebounceMs?: number;
  localStartTimeoutMs?: number;
  now: () => number;
  /** Something the front ends show changed. */
  changed: () => void;
  /** Every engine event (progress views). */
  onRunEvent: (e: EngineEvent) => void;
  /** Runs an entry point the way a user's run does (the rule's `shutdown` after the gate opened). */
  run: (workflow: string) => Promise<RunSummary>;
  /** The team's code, loaded by the session where offload.yml has `team:` (team/team-open.ts). */
  teamCode?: typeof import('../team/team-open');
}

/** One open project; nothing of it outlives dispose(). */
export class OpenProject {
  readonly engine: Engine;
  /** The team gate (evidence and deploy lock in the team's bucket); undefined without `team:`. */
  readonly team: ReturnType<typeof createTeam> | undefined;
  readonly phase6: Phase6Watch;
  /** The team's view, read every minute while watching and after each run; undefined without `team:`. */
  readonly teamWatch: TeamWatch | undefined;
  readonly rule: RuleWiring;
  private readonly store = new DisposableStore();
  private aws: AwsWatch | null = null;
  private trustState: TrustStatus;
  private workflowsNow: WorkflowAvailability[] = [];
  private driftNow: DriftState | null = null;

  constructor(private readonly o: OpenProjectOptions) {
    const { config, history } = o.project;
    const { dataDir, env, notifier, machine } = o;
    this.trustState = o.trustNow;
    const trusted = this.trustState.trusted;
    const notify = config.notify;
    this.phase6 = this.store.add(
      new Phase6Watch({
        history,
        quietMs: notify.quietPeriodMs,
        now: o.now,
        // Quiet is evidence only where CloudWatch is watched and seen (this watch's or another process's).
        cloudwatch: () => ({
          configured:
            notify.logGroups.length +
              notify.alarms.names.length +
              notify.alarms.prefixes.length +
              config.gate.alarms.names.length +
              config.gate.alarms.prefixes.length >
            0,
          blind: this.liveAws()?.cloudwatchBlind,
        }),
        onQuietEnd: o.watch ? o.changed : undefined,
        teamDeployment: () => this.teamDeployment(),
      }),
    );
    const services = createStepServices(config, { env, history, dataDir, extra: { machine, notifier } });
    this.store.add(services);
    // The team gate (evidence and the deploy lock in the team's bucket), its S3 client built by the boundary.
    const teamCode = o.teamCode;
    if (config.team && !teamCode) throw new Error('the team code was not loaded for a project with team:');
    const team = (this.team =
      config.team &&
      teamCode?.createTeam({
        config,
        team: config.team,
        dataDir,
        env,
        say: o.log,
        effects: () => this.effects(),
      }));
    if (team) this.store.addFn(() => team.dispose());
    this.teamWatch =
      team &&
      teamCode &&
      this.store.add(new teamCode.TeamWatch(() => team.view(), { changed: o.changed, now: o.now }));
    if (o.watch) {
      this.teamWatch?.setPaused(o.monitoringPaused);
      this.teamWatch?.start();
    }
    const teamRun = team ? { team: team.openRun } : {};
    this.engine = new Engine({
      config,
      history,
      stepKinds: STEP_KINDS,
      services: services.services,
      env,
      ...teamRun,
    });
    this.store.addFn(() => this.engine.cancel());
    this.store.addFn(
      this.engine.subscribe(
        (e) => {
          // A deployment is recorded once its phase passed; the run's end sees it.
          if (e.type === 'run-finished') {
            this.phase6.reloadDeployments();
            // A watching front end shows the team as the run left it (a one-shot command asks nothing more).
            if (o.watch) void this.teamWatch?.refresh();
          }
          o.onRunEvent(e);
        },
        { outputText: 'during-call' },
      ),
    );
    // The rule, wired once: gate polls -> stop models, switch the config, run `shutdown`; the user's switches.
    this.rule = createRuleWiring({
      config,
      // Untrusted, nothing automatic happens: `auto` only tells the user.
      ...(trusted ? {} : { policy: 'notify' as const }),
      models: machine,
      notifier,
      journal: history,
      dataDir,
      env,
      log: o.log,
      localStartTimeoutMs: o.localStartTimeoutMs,
      fitCheck: async () =>
        config.models?.fit?.models.length
          ? (
              await (
                await import('../machine/fit')
              ).checkProjectFit(config, {
                names: config.models.fit.models,
                env,
                snapshot: machine.snapshot(),
              })
            ).total
          : undefined,
      // Phase 5 after the gate opened: the project's shutdown entry point verifies against AWS.
      runShutdown: async () => {
        if (!config.workflows.shutdown) return { status: 'skipped', summary: 'no shutdown workflow' };
        if (!workflowHasSteps(config, 'shutdown'))
          return {
            status: 'skipped',
            summary: `nothing to verify: ${noStepsReason(config.workflows.shutdown)}`,
          };
        if (this.engine.current()?.status === 'running')
          return { status: 'skipped', summary: 'a workflow is running' };
        const r = await o.run('shutdown');
        return { status: r.status, summary: r.reason };
      },
    });
    this.store.add(this.rule);
    // A switch killed mid-write leaves a recognisable temp file next to its file: gone at the next start.
    if (trusted)
      for (const f of config.switch.files) {
        try {
          removeStaleTemps(f.path);
        } catch {
          // best effort: the next switch tries again
        }
      }
    if (o.watch) {
      // A long-running watch: the young generation start-up grew is handed back once (machine/settle-heap).
      this.store.addFn(settleHeapAfterStart());
    }
  }

  /** The project as opened (config and history). */
  get opened(): OpenedProject {
    return this.o.project;
  }

  /**
   * The AWS watch, the local logs, the trust file and the project files (tray, `offload watch`): their code
   * loads here, so a one-shot command never reads it.
   */
  async startWatches(): Promise<void> {
    const { startProjectWatches } = await import('./project-watches');
    this.aws = startProjectWatches({
      o: this.o,
      store: this.store,
      rule: this.rule,
      phase6: this.phase6,
      effects: this.effects(),
      trusted: this.trustState.trusted,
      configTarget: () => this.configTarget(),
      refreshAvailability: () => void this.refreshAvailability(),
    });
  }

  private configTarget(): AwsSnapshot['configTarget'] {
    return this.rule.switcher.configured() ? this.rule.switcher.current() : 'unknown';
  }

  /** The trust as last read (at open and with each availability check). */
  get trust(): { subject: TrustSubject; status: TrustStatus } {
    return { subject: this.o.trust, status: this.trustState };
  }

  get workflows(): WorkflowAvailability[] {
    return this.workflowsNow;
  }

  /** The source against what the last deployment put on AWS (as of the last availability check). */
  get drift(): DriftState | null {
    return this.driftNow;
  }

  /** The running AWS watch's gate (null in one-shot commands). */
  awsSnapshot(): AwsSnapshot | null {
    return this.aws?.snapshot() ?? null;
  }

  /** The team's latest deployment of this project's environment, as last read. */
  private teamDeployment(): TeamDeployment | undefined {
    const env = this.o.project.config.team?.environment;
    return env ? teamDeployment(this.teamWatch?.current() ?? null, env) : undefined;
  }

  setPaused(paused: boolean): void {
    this.aws?.setPaused(paused);
    this.teamWatch?.setPaused(paused);
  }

  /** Throws UntrustedProject unless the project is trusted as it is now (read afresh: a command enters). */
  requireTrust(): void {
    this.trustState = trustStatus(this.o.dataDir, this.o.trust);
    if (!this.trustState.trusted) throw new UntrustedProject(this.o.trust, this.trustState);
  }

  /** Which entry points the gates allow now, as the user may act on them (trust re-read, drift updated). */
  async refreshAvailability(): Promise<WorkflowAvailability[]> {
    const { config, history } = this.o.project;
    try {
      // Re-read here (project files changed, a run ended): a trust given in a terminal shows in the tray too.
      this.trustState = trustStatus(this.o.dataDir, this.o.trust);
      this.workflowsNow = gateByTrust(await this.engine.availability(), this.trustState);
      const fp = this.engine.lastFingerprint;
      // What is on AWS: this copy's last deploy, or a teammate's newer one (the team's view, a minute old at most).
      await this.teamWatch?.fresh();
      const deployed = newerDeployed(deployedSource(history), this.teamDeployment());
      this.driftNow = fp ? driftOf(deployed, fp.value, (t) => changedFiles(history.projectDir, t, fp)) : null;
    } catch (err) {
      this.workflowsNow = Object.entries(config.workflows).map(([name, phases]) => ({
        name,
        phases,
        allowed: false,
        reason: `could not evaluate the gates: ${(err as Error).message}`,
      }));
    }
    this.o.changed();
    return this.workflowsNow;
  }

  /** The gate now: this process's watch, else a live watch in another process, else one round asked now. */
  async checkAws(): Promise<AwsGateView> {
    const { config } = this.o.project;
    const mine = this.aws?.snapshot();
    if (mine?.checkedAt) return mine;
    const live = readLiveGate(config, this.o.dataDir, this.o.env);
    if (live) return live;
    const { createAwsWatch } = await import('../aws/watch');
    const once = createAwsWatch({
      config,
      effects: this.effects(),
      notifier: new Notifier(),
      env: this.o.env,
      dataDir: this.o.dataDir,
      log: this.o.log,
      oneShot: true,
      configTarget: () => this.configTarget(),
    });
    try {
      await once.pollOnce();
      return once.snapshot();
    } finally {
      once.stop();
    }
  }

  /** The gate of a watch running on this project (this process's or another's), asking AWS nothing. */
  liveAws(): AwsGateView | null {
    const mine = this.aws?.snapshot();
    if (mine?.checkedAt) return mine;
    return readLiveGate(this.o.project.config, this.o.dataDir, this.o.env) ?? null;
  }

  /** The user's switch, through the rule (the gate asked first for `aws`). */
  async switchConfig(target: 'local' | 'aws', force: boolean): Promise<SwitchOutcome> {
    this.requireTrust();
    return this.rule.switchConfig(target, { force, gate: () => this.checkAws() });
  }

  /** The user acknowledges phase 6's resolved cause; alarms the watch sees in ALARM refuse it. */
  acknowledgePhase6(by: Phase6AckBy): Phase6State {
    const firing = (this.liveAws()?.alarms ?? []).filter((a) => a.state === 'ALARM').map((a) => a.name);
    return this.phase6.acknowledge(by, firing);
  }

  /** The latest CloudWatch errors as Markdown for an issue or an assistant, secrets masked. */
  async errorContext(): Promise<string> {
    const { config, history } = this.o.project;
    const env = this.o.env;
    const snap = this.aws?.snapshot() ?? (await this.checkAws());
    // Errors this process saw, else the ones the journal kept (a watch in the tray or an earlier session).
    const errors = snap.recentErrors.length
      ? snap.recentErrors
      : journalErrors(history.readJournal(500)).slice(-10);
    const localErrors = history
      .readJournal(500)
      .flatMap((e) =>
        e.kind === 'local-errors' ? [{ at: e.at, title: e.data.title, body: e.data.body }] : [],
      );
    const masker = new Masker();
    for (const name of secretNames(config)) {
      const v = env[name];
      if (v) masker.add(v);
    }
    // Untrusted, the context is written without AWS: nothing the project names (log groups, services, its
    // aws.endpoint) is asked for with the user's credentials, as the gate asks nothing (aws/observer.ts).
    const effects = this.effects();
    const clients =
      (errors.length || snap.services.length) && this.trustState.trusted && !effects.awsRefusal(config.aws)
        ? effects.awsClients(config.aws, { ...env, ...config.env })
        : undefined;
    try {
      const { errorContextMarkdown } = await import('../aws/error-context');
      return await errorContextMarkdown({
        project: config.name,
        // Each error named by the deployment live when it happened, not the newest.
        errors: labelErrors(errors, this.phase6.all()),
        localErrors,
        alarms: snap.alarms,
        services: config.gate.services,
        deployment: this.phase6.latest(),
        clients,
        mask: (t) => masker.mask(t),
      });
    } finally {
      clients?.destroy();
    }
  }

  /** What the project may cause, under its trust as it is at each use (a trust given later counts at once). */
  private effects(): ProjectEffects {
    return projectEffects({
      trusted: () => this.trustState.trusted === true,
      env: this.o.env,
      project: this.o.project.config,
    });
  }

  /** Closes everything the constructor opened, newest first. */
  dispose(): Promise<void> {
    return this.store.dispose();
  }
}
