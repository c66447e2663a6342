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
import type { Notifier } from '../notify/notifier';
import type { ProjectEventData, ProjectEventKind } from '../history/project-events';
import type { GatePoll, GatePollSource } from './aws-ready';
import { INITIAL_GATE_TRACK, trackGate, type GateAction } from './gate-track';
import { RuleEnforcer, type EventJournal, type ModelControl, type Policy } from './enforcer';
import { startLocalModels, type LocalModelsStart } from './local-models';
import { projectStateDir } from './paths';
import { ConfigSwitcher, type SwitchResult, type SwitchTarget } from './switch';

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
}

export interface SwitchOutcome extends SwitchResult {
  /** Set when `aws` was forced past a gate that was not ready: the gate's reason. */
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

export function createRuleWiring(o: RuleWiringOptions): RuleWiring {
  const { config } = o;
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env), ...config.env };
  const sw = config.switch;
  const stateDir = projectStateDir(config, o.dataDir, env);
  const switcher = new ConfigSwitcher({
    config: sw,
    stateDir,
    env,
    project: { name: config.name, dir: config.dir },
  });
  const gate = config.gate;
  const now = o.now ?? Date.now;
  const policy = o.policy ?? gate.policy;
  const enforcer = new RuleEnforcer({
    policy,
    models: o.models,
    notifier: o.notifier,
    switcher,
    journal: o.journal,
    runVerify: o.runShutdown,
    log: o.log,
    stopRestarters: config.models?.stopRestarters,
    confirmationNeeded: (m) => confirmationNeeded(m, config.models?.matchers ?? []),
  });
  // While AWS cannot be seen the rule acts on no model server: it waits until AWS is seen again.
  let awsSeen = true;
  const unsubModels = o.models.subscribe?.(() => {
    if (awsSeen) void enforcer.modelsChanged();
  });

  /** Switches the files (local: and starts the local models, verified) and journals what really happened. */
  const switchAndRecord = async (
    target: SwitchTarget,
    trigger: string,
    forcedPast?: string,
  ): Promise<SwitchOutcome> => {
    const res = await switcher.switchTo(target);
    const outcome: SwitchOutcome = { ...res, ...(forcedPast ? { forcedPast } : {}) };
    if (target === 'local' && sw.localModelsStart) {
      outcome.localModels = await startLocalModels({
        command: sw.localModelsStart,
        cwd: config.dir,
        models: o.models,
        logFile: path.join(stateDir, 'local-models-start.log'),
        timeoutMs: o.localStartTimeoutMs,
      });
    }
    record('config-switch', {
      trigger,
      target,
      files: res.files,
      ...(forcedPast ? { forced: true, gate: forcedPast } : {}),
      ...(outcome.localModels ? { localModels: outcome.localModels } : {}),
    });
    return outcome;
  };

  /** AWS has not been ready for a while: switch back (auto) or tell the user how (ask, notify). */
  const backToLocal = async (reason: string, minutes: number) => {
    const pointsAtAws = switcher.configured() && switcher.current() === 'aws';
    if (policy !== 'auto' || !pointsAtAws) {
      o.notifier.notify({
        level: 'warning',
        title: `AWS not ready for ${minutes} min`,
        body: `${reason}${pointsAtAws ? ' — Back to local: `offload switch local` (or the tray) points the dev tools at the local models and starts them.' : ''}`,
        target: { view: 'aws' },
      });
      record('rule-action', { action: 'offer-back-to-local', policy, reason, minutes });
      return;
    }
    try {
      const res = await switchAndRecord('local', 'back-to-local');
      const models = res.localModels;
      o.notifier.notify({
        level: models && !models.ok ? 'error' : 'info',
        title: models && !models.ok ? 'Back to local: the local models did not start' : 'Back to local',
        body: `AWS not ready for ${minutes} min (${reason}); the dev tools point at the local models again${models ? ` — ${models.reason}` : ''}.`,
        target: { view: models ? 'models' : 'aws' },
      });
    } catch (err) {
      o.notifier.notify({
        level: 'error',
        title: 'Back to local failed',
        body: (err as Error).message,
        target: { view: 'aws' },
      });
    }
  };
  const record = journalRecorder(o);

  /** Does what one poll's track step asks for. */
  const act = async (a: GateAction, poll: GatePoll): Promise<void> => {
    const pointsAtAws = switcher.configured() && switcher.current() === 'aws';
    switch (a.kind) {
      case 'opened':
        return enforcer.gateOpened(poll.evidence);
      case 'closed':
        return enforcer.gateClosed(poll.reason || 'AWS is not ready', poll.evidence);
      case 'still-ready':
        await o.models.refreshModels().catch(() => []);
        return enforcer.modelsChanged();
      case 'back-to-local':
        return backToLocal(poll.reason || 'AWS is not ready', a.minutes);
      case 'not-ready-at-start':
        if (!pointsAtAws) return;
        // Started while the dev tools point at AWS (an earlier session switched them) and AWS is not ready.
        o.notifier.notify({
          level: 'warning',
          title: 'Dev tools point at AWS, which is not ready',
          body: `${poll.reason || 'AWS is not ready'} — run \`offload switch local\` to point them back at the local models.`,
          target: { view: 'aws' },
        });
        record('rule-action', { action: 'notify-not-ready', reason: poll.reason, trigger: 'start' });
        return;
      case 'cannot-see':
        o.notifier.notify({
          level: 'warning',
          title: 'Offload cannot see AWS',
          body: `${a.reason} — nothing is switched, stopped or started until AWS can be seen again${pointsAtAws ? '; the dev tools still point at AWS' : ''}.`,
          target: { view: 'aws' },
        });
        return;
    }
  };

  return {
    switcher,
    enforcer,
    attach(source) {
      let track = INITIAL_GATE_TRACK;
      const opts = { backToLocalAfterMs: gate.backToLocalAfterMs };
      return source.onGatePoll(async (poll) => {
        const step = trackGate(track, poll, now(), opts);
        track = step.track;
        awsSeen = track.unseenSince === undefined;
        for (const a of step.actions) await act(a, poll);
      });
    },
    async switchConfig(target, so) {
      if (!switcher.configured())
        throw new SwitchRefused('offload.yml has no `switch:` files; nothing to switch');
      let forcedPast: string | undefined;
      if (target === 'aws') {
        const why = notReadyReason(await so.gate());
        if (why !== undefined) {
          if (!so.force) {
            record('config-switch', { trigger: so.trigger ?? 'user', target, refused: why });
            throw new SwitchRefused(`${why}. Switch anyway with --force.`);
          }
          forcedPast = why;
        }
      }
      return switchAndRecord(target, so.trigger ?? 'user', forcedPast);
    },
    dispose() {
      unsubModels?.();
    },
  };
}
