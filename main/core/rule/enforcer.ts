/**
 * The rule, enforced: when AWS becomes ready, stop the local model servers, point the dev config at AWS and
 * run the verify steps (policy `auto`), or tell the user what to do (`ask`, `notify`). While AWS stays ready,
 * a model server that starts again is stopped again (or reported). When AWS stops being ready, the user is
 * told and offered the switch back to local. Every automatic action goes to history with its evidence.
 */
import type { Notifier } from '../notify/notifier';
import type { ModelProcess, StopOutcome } from '../vocabulary';
import type { ProjectJournal, RuleAction } from '../history/project-events';
import type { SwitchResult, SwitchTarget } from './switch';

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
}

/** Ties the gate to the models and the config switch. */
export class RuleEnforcer {
  private ready = false;
  private busy: Promise<void> = Promise.resolve();
  private readonly reported = new Set<number>();

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
            ? `The rule says: ${what.join(' and ')}.${what.length > 1 ? ' `offload run shutdown` does both and verifies the dev tools against AWS.' : ''}`
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
      if (models.length) await this.stop(models, 'gate-opened', evidence);
      if (this.o.switcher?.configured() && this.o.switcher.current() !== 'aws') {
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
      if (this.o.runVerify) {
        const res = await this.o
          .runVerify()
          .catch((err: Error) => ({ status: 'failed', summary: err.message }));
        this.record('rule-action', { action: 'verify', result: res ?? null });
        if (res && res.status !== 'passed') {
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
      this.o.notifier.notify({
        level: 'warning',
        title: 'AWS is no longer ready',
        body: `${reason}${onAws ? ' — run `offload switch local` to point the dev tools back at the local models.' : ''}`,
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
      const fresh = models.filter((m) => !this.reported.has(m.pid));
      if (fresh.length === 0) return;
      if (this.o.policy === 'auto') {
        await this.stop(fresh, 'restarted-while-aws-ready', { models: fresh.map(brief) });
        return;
      }
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

  private async stop(models: ModelProcess[], trigger: string, evidence: unknown) {
    const outcomes = await this.o.models.stopModelServers({ pids: models.map((m) => m.pid) });
    for (const o of outcomes) if (o.result !== 'stopped') this.reported.add(o.pid);
    this.record('rule-action', { action: 'stop-local-models', trigger, outcomes, evidence });
    const stopped = outcomes.filter((o) => o.result === 'stopped');
    const failed = outcomes.filter((o) => o.result !== 'stopped');
    this.o.notifier.notify({
      level: failed.length ? 'warning' : 'info',
      title:
        trigger === 'gate-opened' ? 'AWS is ready: local models stopped' : 'Local model server stopped again',
      body: [
        stopped.length ? `stopped ${stopped.map((o) => o.title).join(', ')}` : '',
        failed.length
          ? `could not stop ${failed.map((o) => `${o.title} (${o.reason ?? o.result}${o.advice ? `; ${o.advice}` : ''})`).join(', ')}`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
      target: { view: 'models' },
    });
  }
}

const brief = (m: ModelProcess) => ({ pid: m.pid, server: m.server, title: m.title });
