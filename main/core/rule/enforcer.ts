/**
 * The rule, enforced: when AWS becomes ready, stop the local model servers, point the dev config at AWS and
 * run the verify steps (policy `auto`), or tell the user what to do (`ask`, `notify`). While AWS stays ready,
 * a model server that starts again is stopped again (or reported). When AWS stops being ready, the user is
 * told and offered the switch back to local. Every automatic action goes to history with its evidence.
 */
import { formatDurationCompact } from '../format';
import type { Notifier } from '../notify/notifier';
import type { ModelProcess, StopOutcome } from '../vocabulary';
import type { ProjectJournal, RuleAction } from '../history/project-events';
import type { SwitchResult, SwitchTarget } from '../switch/switcher';
import { decideModels, stopNotice, type ModelDecision, type StoppedServer } from './model-decisions';

/** The machine-watch surface the rule needs (MachineWatch satisfies it). */
export interface ModelControl {
  models(): ModelProcess[];
  refreshModels(): Promise<ModelProcess[]>;
  stopModelServers(o: { all?: boolean; pids?: number[]; dryRun?: boolean }): Promise<StopOutcome[]>;
  subscribe?(listener: () => void): () => void;
}

/** Where gate transitions and automatic actions are recorded (HistoryStore satisfies it). */
export type EventJournal = ProjectJournal;

/** The config switch as the rule uses it. */
export interface SwitchControl {
  configured(): boolean;
  current(): SwitchTarget | 'unknown';
  switchTo(target: SwitchTarget): Promise<SwitchResult>;
}

export type Policy = 'auto' | 'ask' | 'notify';

export interface RuleOptions {
  policy: Policy;
  models: ModelControl;
  notifier: Notifier;
  switcher?: SwitchControl;
  journal?: EventJournal;
  /** Runs the verify steps against AWS after an automatic switch; resolves to a one-line result. */
  runVerify?: () => Promise<{ status: string; summary?: string } | void>;
  log?: (line: string) => void;
  /** The clock respawns are timed by (default Date.now). */
  now?: () => number;
  /** `models.stop-restarters`: a shell loop restarting a server is ended with it instead of reported. */
  stopRestarters?: boolean;
  /** Whether the `shutdown` workflow has steps (else "run shutdown … verifies" is never advised). */
  shutdownVerifies?: boolean;
  /** `gate.back-to-local-after`: under `auto` the rule goes back itself after this long (never advised). */
  backToLocalAfterMs?: number;
  /**
   * Why a model server may be stopped only after the user confirmed it (a user matcher found something that
   * looks like no model server): the rule reports such a server once instead of stopping it.
   */
  confirmationNeeded?: (m: ModelProcess) => string | undefined;
}

/** Ties the gate to the models and the config switch. */
export class RuleEnforcer {
  private ready = false;
  private busy: Promise<void> = Promise.resolve();
  private readonly reported = new Set<number>();
  /** This episode's stops and reported restarters (an episode: from the gate opening to its closing). */
  private stopped: StoppedServer[] = [];
  private readonly told = new Set<string>();
  /** Servers the rule may not stop (another user's, privileged): reported once, across episodes. */
  private readonly refused = new Set<string>();
  private shutdownSkipRecorded = false;

  constructor(private readonly o: RuleOptions) {}

  private record(kind: 'rule-action', data: RuleAction) {
    try {
      this.o.journal?.appendProjectEvent(kind, data);
    } catch (err) {
      this.o.log?.(`offload: could not record ${kind} in history: ${(err as Error).message}`);
    }
  }

  /** Serialises actions so a burst of events never stops the same process twice at once. */
  private enqueue(fn: () => Promise<void>): Promise<void> {
    this.busy = this.busy
      .then(fn, fn)
      .catch((err) => this.o.log?.(`offload: rule action failed: ${(err as Error).message}`));
    return this.busy;
  }

  /** Whether the rule currently treats AWS as ready. */
  isReady(): boolean {
    return this.ready;
  }

  /** The gate opened (with its evidence): enforce phase 5 per policy. */
  gateOpened(evidence: unknown): Promise<void> {
    this.ready = true;
    this.reported.clear();
    this.stopped = [];
    this.told.clear();
    return this.enqueue(async () => {
      const models = await this.o.models.refreshModels();
      if (this.o.policy !== 'auto') {
        const what = [
          models.length
            ? `stop ${models.length === 1 ? 'the local model server' : `${models.length} local model servers`} (${models.map((m) => m.title).join(', ')}: \`offload models stop --all\`)`
            : '',
          this.o.switcher?.configured() && this.o.switcher.current() !== 'aws'
            ? 'switch the config to AWS (`offload switch aws`)'
            : '',
        ].filter(Boolean);
        this.o.notifier.notify({
          level: 'info',
          title: 'AWS is ready',
          body: what.length
            ? `The rule says: ${what.join(' and ')}.${what.length > 1 && this.o.shutdownVerifies !== false ? ' `offload run shutdown` does both and verifies the dev tools against AWS.' : ''}`
            : 'Nothing runs locally; the config points at AWS.',
          target: { view: models.length ? 'models' : 'aws' },
        });
        this.record('rule-action', {
          action: 'notify-ready',
          policy: this.o.policy,
          models: models.map(brief),
          evidence,
        });
        for (const m of models) this.reported.add(m.pid);
        return;
      }
      const acted = await this.act(models, 'gate-opened', evidence);
      let switched = false;
      if (this.o.switcher?.configured() && this.o.switcher.current() !== 'aws') {
        switched = true;
        try {
          const res = await this.o.switcher.switchTo('aws');
          this.record('rule-action', {
            action: 'config-switch',
            target: 'aws',
            trigger: 'gate-opened',
            files: res.files,
            evidence,
          });
        } catch (err) {
          this.record('rule-action', {
            action: 'config-switch',
            target: 'aws',
            error: (err as Error).message,
          });
          this.o.notifier.notify({
            level: 'error',
            title: 'Config switch to AWS failed',
            body: (err as Error).message,
            target: { view: 'aws' },
          });
        }
      }
      if (this.o.runVerify && !acted && !switched) {
        // Nothing stopped, nothing switched: a shutdown run would verify nothing new. Recorded once.
        if (!this.shutdownSkipRecorded)
          this.record('rule-action', {
            action: 'skip-shutdown',
            reason: 'nothing to do: no local model server to stop and the config already points at AWS',
          });
        this.shutdownSkipRecorded = true;
      } else if (this.o.runVerify) {
        this.shutdownSkipRecorded = false;
        const res = await this.o
          .runVerify()
          .catch((err: Error) => ({ status: 'failed', summary: err.message }));
        this.record('rule-action', { action: 'verify', result: res ?? null });
        // Skipped (no steps, no workflow, a run in progress) is said in the journal, neither a pass nor a failure.
        if (res && res.status !== 'passed' && res.status !== 'skipped') {
          this.o.notifier.notify({
            level: 'error',
            title: 'Verification against AWS failed',
            body: res.summary ?? res.status,
            target: { view: 'phases' },
          });
        }
      }
    });
  }

  /** The gate closed: tell the user and offer the way back. */
  gateClosed(reason: string, evidence: unknown): Promise<void> {
    const was = this.ready;
    this.ready = false;
    if (!was) return Promise.resolve();
    return this.enqueue(async () => {
      const onAws = this.o.switcher?.configured() && this.o.switcher.current() === 'aws';
      const back =
        this.o.policy === 'auto' && this.o.backToLocalAfterMs !== undefined
          ? ` — Offload points the dev tools back at the local models if AWS stays not ready for ${formatDurationCompact(this.o.backToLocalAfterMs)}.`
          : ' — run `offload switch local` to point the dev tools back at the local models.';
      this.o.notifier.notify({
        level: 'warning',
        title: 'AWS is no longer ready',
        body: `${reason}${onAws ? back : ''}`,
        target: { view: 'aws' },
      });
      this.record('rule-action', { action: 'notify-not-ready', reason, evidence });
    });
  }

  /** A model-list change (or a periodic check) while AWS is ready: stop (auto) or report newcomers. */
  modelsChanged(): Promise<void> {
    if (!this.ready) return Promise.resolve();
    return this.enqueue(async () => {
      if (!this.ready) return;
      const models = this.o.models.models();
      if (this.o.policy === 'auto') {
        await this.act(models, 'restarted-while-aws-ready');
        return;
      }
      const fresh = models.filter((m) => !this.reported.has(m.pid));
      if (fresh.length === 0) return;
      for (const m of fresh) this.reported.add(m.pid);
      this.o.notifier.notify({
        level: 'warning',
        title: 'Local model server running while AWS is ready',
        body: `${fresh.map((m) => `${m.title} (pid ${m.pid})`).join(', ')} started again; the rule says stop it.`,
        target: { view: 'models' },
      });
      this.record('rule-action', { action: 'notify-model-running', models: fresh.map(brief) });
    });
  }

  private episode(now: number, models: readonly ModelProcess[]): ModelDecision {
    const listed = new Set(models.map(refusedKey));
    for (const k of this.refused) if (!listed.has(k)) this.refused.delete(k); // gone: forget it
    const mine = models.filter((m) => !this.refused.has(refusedKey(m)));
    return decideModels(
      mine,
      {
        seen: this.reported,
        stopped: this.stopped,
        told: this.told,
        stopRestarters: this.o.stopRestarters,
      },
      now,
    );
  }

  /** Stops newcomers, reports restarters once; true when a model server was really stopped. */
  private async act(models: readonly ModelProcess[], trigger: Trigger, evidence?: unknown): Promise<boolean> {
    const now = (this.o.now ?? Date.now)();
    const d = this.episode(now, models);
    this.report(d);
    d.stop = d.stop.filter((m) => !this.unconfirmed(m));
    if (d.stop.length === 0) return false;
    return this.stop(d.stop, trigger, evidence ?? { models: d.stop.map(brief) }, now);
  }

  /** True (and said once per process) when stopping `m` needs a confirmation the rule cannot give. */
  private unconfirmed(m: ModelProcess): boolean {
    const why = this.o.confirmationNeeded?.(m);
    if (!why) return false;
    const key = `confirm:${refusedKey(m)}`;
    if (this.told.has(key)) return true;
    this.told.add(key);
    this.reported.add(m.pid);
    const text = `${m.title} (pid ${m.pid}, ${m.cmdline}) was found by your matcher '${m.server}' but does not look like a model server: ${why}. Not stopped: \`offload models stop ${m.pid}\` asks you first; or narrow the matcher in offload.yml.`;
    this.record('rule-action', { action: 'model-needs-confirmation', model: brief(m), message: text });
    this.o.notifier.notify({
      level: 'warning',
      title: `Not stopping ${m.title} (pid ${m.pid}) without your confirmation`,
      body: text,
      target: { view: 'models', item: String(m.pid) },
    });
    return true;
  }

  private report(d: ModelDecision) {
    for (const pid of d.quiet) this.reported.add(pid);
    for (const r of d.report) {
      this.reported.add(r.model.pid);
      this.told.add(r.key);
      this.record('rule-action', {
        action: 'model-restarted',
        model: brief(r.model),
        by: r.by,
        message: r.text,
      });
      this.o.notifier.notify({
        level: 'warning',
        title: `${r.model.title} is restarted by what runs it`,
        body: r.text,
        target: { view: 'models' },
      });
    }
  }

  private async stop(models: ModelProcess[], trigger: Trigger, evidence: unknown, now: number) {
    const outcomes = await this.o.models.stopModelServers({ pids: models.map((m) => m.pid) });
    const byPid = new Map(models.map((m) => [m.pid, m]));
    for (const o of outcomes) {
      this.reported.add(o.pid);
      const m = byPid.get(o.pid);
      if (o.result === 'refused' && m) this.refused.add(refusedKey(m));
      if ((o.result === 'stopped' || o.result === 'respawned') && m)
        this.stopped.push({
          pid: m.pid,
          ppid: m.ppid,
          server: m.server,
          cmdline: m.cmdline,
          at: now,
          respawned: o.result === 'respawned',
        });
    }
    this.record('rule-action', { action: 'stop-local-models', trigger, outcomes, evidence });
    let told: StopOutcome[] = outcomes;
    if (outcomes.some((o) => o.result === 'respawned')) {
      // Came back at once: said as one "restarted by" report, never killed again in this episode.
      const again = this.episode(now, await this.o.models.refreshModels().catch(() => []));
      this.report({ stop: [], report: again.report, quiet: again.quiet });
      if (again.report.length || again.quiet.length) told = outcomes.filter((o) => o.result !== 'respawned');
    }
    const notice = stopNotice(told, trigger);
    if (notice) this.o.notifier.notify({ ...notice, target: { view: 'models' } });
    return outcomes.some((o) => o.result === 'stopped' || o.result === 'respawned');
  }
}

type Trigger = 'gate-opened' | 'restarted-while-aws-ready';
const refusedKey = (m: ModelProcess) => `${m.pid}:${m.cmdline}`;
const brief = (m: ModelProcess) => ({ pid: m.pid, server: m.server, title: m.title });
