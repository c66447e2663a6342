/**
 * The rule, wired once for every front end (tray, window, `offload watch`, `offload switch`): the config
 * switch, the enforcer acting on the gate's polls and on model servers that come back while AWS is ready, and
 * the user's own switch commands — `aws` only through the gate (unknown is not ready; `force` overrides and
 * says so), `local` with the local model servers started and verified. Every action goes to the journal as
 * it really happened.
 */
import path from 'node:path';
import type { AwsSnapshot, OffloadConfig } from '../vocabulary';
import { confirmationNeeded } from '../machine/matcher-breadth';
import type { NoticeInput, Notifier } from '../notify/notifier';
import { CoalescedRunner } from '../units/poller';
import type { ProjectEventData, ProjectEventKind } from '../history/project-events';
import type { GatePoll, GatePollSource } from './aws-ready';
import { INITIAL_GATE_TRACK, trackGate, type GateAction } from './gate-track';
import { RuleEnforcer, type EventJournal, type ModelControl, type Policy } from './enforcer';
import { startLocalModels, type LocalModelsStart } from '../switch/local-models';
import { projectStateDir } from '../platform/project-state-dir';
import { workflowHasSteps } from '../workflow/engine';
import { formatDurationCompact } from '../format';
import { ConfigSwitcher, type SwitchResult, type SwitchTarget } from '../switch/switcher';

export interface RuleWiringOptions {
  config: OffloadConfig;
  models: ModelControl;
  notifier: Notifier;
  journal?: EventJournal;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides offload.yml's `gate.policy` (an untrusted project only tells the user: `notify`). */
  policy?: Policy;
  /** Runs the project's `shutdown` workflow after an automatic switch (policy auto). */
  runShutdown?: () => Promise<{ status: string; summary?: string } | void>;
  log?: (line: string) => void;
  /** How long `switch local` waits for a model server to be listed (default 30 s). */
  localStartTimeoutMs?: number;
  /** The clock "not ready for N minutes" is measured by (default Date.now). */
  now?: () => number;
  /**
   * Will the models back-to-local starts fit (`models.fit.models` against the memory free now)? Undefined:
   * nothing to check. Asked before local model servers are started; a model that does not fit is refused.
   */
  fitCheck?: () => Promise<{ fits: boolean; sentence: string } | undefined>;
}

export interface SwitchOutcome extends SwitchResult {
  /** Set when forced past a refusal: the gate's reason (`aws`), or why the local models do not fit (`local`). */
  forcedPast?: string;
  localModels?: LocalModelsStart;
}

/** Thrown when the user's switch cannot happen; the message says why and what to do. */
export class SwitchRefused extends Error {
  override name = 'SwitchRefused';
}

export interface RuleWiring {
  switcher: ConfigSwitcher;
  enforcer: RuleEnforcer;
  /** Acts on a gate source's polls until the returned function is called. */
  attach(source: GatePollSource): () => void;
  /**
   * The user's switch. `aws` asks `gate()` first and refuses unless it is ready (or `force`); `local` starts
   * the local model servers when `switch.local-models.start` is set and fails when they do not come up.
   */
  switchConfig(
    target: SwitchTarget,
    o: { force?: boolean; gate: () => Promise<AwsSnapshot>; trigger?: string },
  ): Promise<SwitchOutcome>;
  dispose(): void;
}

/** Why the user's switch to AWS must not happen now (the gate is not ready), or undefined when it is ready. */
export function notReadyReason(g: Pick<AwsSnapshot, 'gate' | 'reason'>): string | undefined {
  if (g.gate === 'ready') return undefined;
  return g.gate === 'disabled'
    ? 'offload.yml configures no AWS gate (gate.services, gate.endpoints or gate.alarms), so nothing shows AWS is ready'
    : `AWS is ${g.gate === 'unknown' ? 'in an unknown state' : g.gate === 'checking' ? 'still being checked' : 'not ready'}: ${g.reason ?? 'no reason given'}`;
}

/** Records in the journal; a failed write is logged, never thrown (the action itself happened). */
function journalRecorder(o: Pick<RuleWiringOptions, 'journal' | 'log'>) {
  return <K extends ProjectEventKind>(kind: K, data: ProjectEventData<K>): void => {
    try {
      o.journal?.appendProjectEvent(kind, data);
    } catch (err) {
      o.log?.(`offload: could not record ${kind} in history: ${(err as Error).message}`);
    }
  };
}

/** What the user is told when AWS has not been ready for `forMs` and the rule does not switch back itself. */
export function offerBackToLocalNotice(reason: string, forMs: number, pointsAtAws: boolean): NoticeInput {
  return {
    level: 'warning',
    title: `AWS not ready for ${formatDurationCompact(forMs)}`,
    body: `${reason}${pointsAtAws ? ' — Back to local: `offload switch local` (or the tray) points the dev tools at the local models and starts them.' : ''}`,
    target: { view: 'aws' },
  };
}

/** What the user is told after the rule switched back to local (and started the local models, if set). */
export function backToLocalNotice(reason: string, forMs: number, models?: LocalModelsStart): NoticeInput {
  const failed = models && !models.ok;
  return {
    level: failed ? 'error' : 'info',
    title: failed ? 'Back to local: the local models did not start' : 'Back to local',
    body: `AWS not ready for ${formatDurationCompact(forMs)} (${reason}); the dev tools point at the local models again${models ? ` — ${models.reason}` : ''}.`,
    target: { view: models ? 'models' : 'aws' },
  };
}

/** The notice for a gate action that only tells the user; undefined for actions that do more, or nothing. */
export function gateActionNotice(
  a: GateAction,
  poll: GatePoll,
  pointsAtAws: boolean,
): NoticeInput | undefined {
  if (a.kind === 'not-ready-at-start' && pointsAtAws)
    // Started while the dev tools point at AWS (an earlier session switched them) and AWS is not ready.
    return {
      level: 'warning',
      title: 'Dev tools point at AWS, which is not ready',
      body: `${poll.reason || 'AWS is not ready'} — run \`offload switch local\` to point them back at the local models.`,
      target: { view: 'aws' },
    };
  if (a.kind === 'cannot-see')
    return {
      level: 'warning',
      title: 'Offload cannot see AWS',
      body: `${a.reason} — nothing is switched, stopped or started until AWS can be seen again${pointsAtAws ? '; the dev tools still point at AWS' : ''}.`,
      target: { view: 'aws' },
    };
  return undefined;
}

/** Whether the user's switch may go ahead: refused (with why), or allowed (forced past a gate that is not ready). */
export function switchVerdict(
  why: string | undefined,
  force: boolean | undefined,
): { refused: string } | { forcedPast?: string } {
  if (why === undefined) return {};
  return force ? { forcedPast: why } : { refused: why };
}

/** The rule wired (see file comment). */
class Wiring implements RuleWiring {
  readonly switcher: ConfigSwitcher;
  readonly enforcer: RuleEnforcer;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stateDir: string;
  private readonly policy: Policy;
  private readonly record: ReturnType<typeof journalRecorder>;
  /** Model checks while AWS is ready: one running and one pending at most, however often the machine updates. */
  private readonly modelCheck: CoalescedRunner;
  private readonly unsubModels?: () => void;
  /** While AWS cannot be seen the rule acts on no model server: it waits until AWS is seen again. */
  private awsSeen = true;

  constructor(private readonly o: RuleWiringOptions) {
    const { config } = o;
    this.env = { ...(o.env ?? process.env), ...config.env };
    this.stateDir = projectStateDir(config, o.dataDir, this.env);
    this.switcher = new ConfigSwitcher({
      config: config.switch,
      stateDir: this.stateDir,
      env: this.env,
      project: { name: config.name, dir: config.dir },
    });
    this.policy = o.policy ?? config.gate.policy;
    this.enforcer = new RuleEnforcer({
      policy: this.policy,
      models: o.models,
      notifier: o.notifier,
      switcher: this.switcher,
      journal: o.journal,
      runVerify: o.runShutdown,
      log: o.log,
      stopRestarters: config.models?.stopRestarters,
      shutdownVerifies: workflowHasSteps(config, 'shutdown'),
      backToLocalAfterMs: config.gate.backToLocalAfterMs,
      confirmationNeeded: (m) => confirmationNeeded(m, config.models?.matchers ?? []),
    });
    this.record = journalRecorder(o);
    this.modelCheck = new CoalescedRunner(
      () => this.enforcer.modelsChanged(),
      (err) => o.log?.(`offload: model check failed: ${(err as Error).message}`),
    );
    this.unsubModels = o.models.subscribe?.(() => {
      if (this.awsSeen) void this.modelCheck.run();
    });
  }

  attach(source: GatePollSource): () => void {
    let track = INITIAL_GATE_TRACK;
    const opts = { backToLocalAfterMs: this.o.config.gate.backToLocalAfterMs };
    const now = this.o.now ?? Date.now;
    return source.onGatePoll(async (poll) => {
      const step = trackGate(track, poll, now(), opts);
      track = step.track;
      this.awsSeen = track.unseenSince === undefined;
      for (const a of step.actions) await this.act(a, poll);
    });
  }

  async switchConfig(
    target: SwitchTarget,
    so: { force?: boolean; gate: () => Promise<AwsSnapshot>; trigger?: string },
  ): Promise<SwitchOutcome> {
    if (!this.switcher.configured())
      throw new SwitchRefused('offload.yml has no `switch:` files; nothing to switch');
    const why = target === 'aws' ? notReadyReason(await so.gate()) : await this.wontFit();
    const verdict = switchVerdict(why, so.force);
    if ('refused' in verdict) {
      this.record('config-switch', { trigger: so.trigger ?? 'user', target, refused: verdict.refused });
      throw new SwitchRefused(`${verdict.refused}. Switch anyway with --force.`);
    }
    return this.switchAndRecord(target, so.trigger ?? 'user', verdict.forcedPast);
  }

  dispose(): void {
    this.unsubModels?.();
    this.modelCheck.dispose();
  }

  /** Why the local models would not fit now (only when a start command would start them), or undefined. */
  private async wontFit(): Promise<string | undefined> {
    if (!this.o.config.switch.localModelsStart || !this.o.fitCheck) return undefined;
    const r = await this.o.fitCheck().catch((err: Error) => ({ fits: true, sentence: err.message }));
    return r && !r.fits ? r.sentence : undefined;
  }

  private pointsAtAws(): boolean {
    return this.switcher.configured() && this.switcher.current() === 'aws';
  }

  /**
   * Does what one poll's track step asks for. A model check while AWS stays ready is only started, never
   * awaited: the gate's polling never waits on the machine side.
   */
  private async act(a: GateAction, poll: GatePoll): Promise<void> {
    switch (a.kind) {
      case 'opened':
        return this.enforcer.gateOpened(poll.evidence);
      case 'closed':
        return this.enforcer.gateClosed(poll.reason || 'AWS is not ready', poll.evidence);
      case 'still-ready':
        void this.o.models
          .refreshModels()
          .catch(() => [])
          .then(() => this.modelCheck.run());
        return;
      case 'back-to-local':
        return this.backToLocal(poll.reason || 'AWS is not ready', a.minutes, a.forMs);
      case 'not-ready-at-start':
      case 'cannot-see': {
        const notice = gateActionNotice(a, poll, this.pointsAtAws());
        if (!notice) return;
        this.o.notifier.notify(notice);
        if (a.kind === 'not-ready-at-start')
          this.record('rule-action', { action: 'notify-not-ready', reason: poll.reason, trigger: 'start' });
        return;
      }
    }
  }

  /** AWS has not been ready for a while: switch back (auto) or tell the user how (ask, notify). */
  private async backToLocal(reason: string, minutes: number, forMs: number): Promise<void> {
    const pointsAtAws = this.pointsAtAws();
    if (this.policy !== 'auto' || !pointsAtAws) {
      this.o.notifier.notify(offerBackToLocalNotice(reason, forMs, pointsAtAws));
      this.record('rule-action', {
        action: 'offer-back-to-local',
        policy: this.policy,
        reason,
        minutes,
        forMs,
      });
      return;
    }
    const wontFit = await this.wontFit();
    if (wontFit) {
      // Under auto the rule never forces: it refuses and tells the user, who can force it.
      this.record('config-switch', { trigger: 'back-to-local', target: 'local', refused: wontFit });
      this.o.notifier.notify({
        level: 'error',
        title: 'Back to local refused: the local models do not fit',
        body: `${wontFit}. Free memory, or run \`offload switch local --force\`.`,
        target: { view: 'models' },
      });
      return;
    }
    try {
      const res = await this.switchAndRecord('local', 'back-to-local');
      this.o.notifier.notify(backToLocalNotice(reason, forMs, res.localModels));
    } catch (err) {
      this.o.notifier.notify({
        level: 'error',
        title: 'Back to local failed',
        body: (err as Error).message,
        target: { view: 'aws' },
      });
    }
  }

  /** Switches the files (local: and starts the local models, verified) and journals what really happened. */
  private async switchAndRecord(
    target: SwitchTarget,
    trigger: string,
    forcedPast?: string,
  ): Promise<SwitchOutcome> {
    const { config } = this.o;
    const res = await this.switcher.switchTo(target);
    const outcome: SwitchOutcome = { ...res, ...(forcedPast ? { forcedPast } : {}) };
    if (target === 'local' && config.switch.localModelsStart) {
      outcome.localModels = await startLocalModels({
        command: config.switch.localModelsStart,
        cwd: config.dir,
        models: this.o.models,
        logFile: path.join(this.stateDir, 'local-models-start.log'),
        timeoutMs: this.o.config.switch.localModelsTimeoutMs ?? this.o.localStartTimeoutMs,
      });
    }
    this.record('config-switch', {
      trigger,
      target,
      files: res.files,
      ...(forcedPast ? { forced: true, gate: forcedPast } : {}),
      ...(outcome.localModels ? { localModels: outcome.localModels } : {}),
    });
    return outcome;
  }
}

/** Wires the rule once for a project (see file comment). */
export function createRuleWiring(o: RuleWiringOptions): RuleWiring {
  return new Wiring(o);
}
