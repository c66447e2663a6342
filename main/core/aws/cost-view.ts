/**
 * The cost view of an open project: what AWS costs for what the last deploy put there, kept as one record in
 * the project's history folder (shared by the tray, `offload watch` and a one-shot `offload status`) and
 * refreshed from AWS at most every 15 minutes, or at once after a new deploy. A state snapshot reads the
 * record in memory and never asks AWS; offline the prices come from the on-disk Price List cache, with its date.
 */
import type { AwsClients } from './clients';
import { budgetExceeded, costLine, costTotal, type CostItem } from './cost';
import { costTargets } from './cost-targets';
import { readDeployments, type DeploymentIdentity, type StateStorage } from '../deployments';
import type { NoticeInput } from '../notify/notifier';
import { Poller } from '../units/poller';
import type { CostLineItem, CostSummary, OffloadConfig } from '../vocabulary';

/** How often the usage is read from AWS at most (a new deploy refreshes at once). */
export const COST_REFRESH_MS = 15 * 60_000;
/** How long a command waits for a due refresh before it answers with the kept estimate (AWS slow or offline). */
export const COST_WAIT_MS = 5000;
/** The state file (in the project's history folder) the record is kept in. */
const STATE = 'cost-view';

/** What a refresh read from AWS, kept on disk: the usage priced at `checkedAt`. */
export interface CostRecord {
  version: 1;
  deployment: { runId: string; at: string } | null;
  checkedAt: string;
  items: CostLineItem[];
  prices: CostSummary['prices'];
  unknown?: string;
  stale?: string;
}

/**
 * What the estimate covers: the region; the ECS services of `gate.services` and of the `ecs-deploy` steps, the
 * `lambda-deploy` functions and the `eks-rollout` clusters (costTargets); and the budget.
 */
export interface CostScope {
  region?: string;
  services: readonly { cluster: string; service: string }[];
  functions?: readonly string[];
  eksClusters?: readonly { cluster: string; region?: string }[];
  budget?: { perHour?: number; perDay?: number };
}

/** What the cost view prices: the gate's services and what the deploy steps name (literal values only). */
export function costScopeOf(config: OffloadConfig): CostScope {
  const t = costTargets(Object.values(config.phases).flatMap((p) => p.steps));
  const services = [...config.gate.services];
  for (const s of t.services)
    if (!services.some((x) => x.cluster === s.cluster && x.service === s.service)) services.push(s);
  const { region } = config.aws;
  return {
    region,
    services,
    functions: t.functions,
    eksClusters: t.eksClusters,
    budget: config.notify.budget,
  };
}

/** Whether AWS must be asked again: no record, another deploy since, or the record is 15 minutes old. */
export function costRefreshDue(
  rec: CostRecord | undefined,
  latest: DeploymentIdentity | undefined,
  now: number,
): boolean {
  if (!rec) return true;
  if ((rec.deployment?.runId ?? null) !== (latest?.runId ?? null)) return true;
  const at = Date.parse(rec.checkedAt);
  // A clock set back (or a record from the future) is refreshed rather than trusted.
  return !Number.isFinite(at) || now < at || now - at >= COST_REFRESH_MS;
}

/** The record as the state shows it at `now`: the rate, the cost since the deploy, and the budget verdict. */
export function costSummaryOf(rec: CostRecord, now: number, budget?: CostScope['budget']): CostSummary {
  const items = rec.items.map(toItem);
  const known = items.some((i) => 'usdPerHour' in i);
  const total = costTotal(items);
  const since = rec.deployment ? Date.parse(rec.deployment.at) : undefined;
  const line = rec.unknown && !known ? `AWS ≈ unknown: ${rec.unknown}` : costLine(items, since, now);
  const exceeded = known && budget ? budgetExceeded(total.usdPerHour, budget) : undefined;
  return {
    line,
    usdPerHour: known ? total.usdPerHour : null,
    partial: known && total.partial,
    ...(rec.deployment ? { deployment: rec.deployment } : {}),
    ...(known && since !== undefined && since <= now
      ? { sinceDeployUsd: (total.usdPerHour * (now - since)) / 3_600_000 }
      : {}),
    items: rec.items,
    ...(rec.unknown ? { unknown: rec.unknown } : {}),
    checkedAt: rec.checkedAt,
    ...(rec.stale ? { stale: rec.stale } : {}),
    prices: rec.prices,
    ...(budget ? { budget: { ...budget, ...(exceeded ? { exceeded } : {}) } } : {}),
  };
}

/** The budget warning as an edge: one notice when the estimate goes over, none while it stays over. */
export function budgetEdge(
  wasOver: boolean,
  exceeded: string | undefined,
): { over: boolean; notice?: NoticeInput } {
  if (!exceeded) return { over: false };
  if (wasOver) return { over: true };
  return {
    over: true,
    notice: { level: 'warning', title: 'AWS over budget', body: exceeded, target: { view: 'aws' } },
  };
}

const asLine = (i: CostItem): CostLineItem => ({ ...i });

/** A kept line back as the estimate's item (a line without a known rate is unknown, never zero). */
function toItem(i: CostLineItem): CostItem {
  const base = { name: i.name, kind: i.kind as CostItem['kind'] };
  return typeof i.usdPerHour === 'number' && Number.isFinite(i.usdPerHour)
    ? { ...base, usdPerHour: i.usdPerHour, basis: i.basis ?? '' }
    : { ...base, unknown: i.unknown ?? 'not known' };
}

/** Reads the usage and prices from AWS and prices them (never throws: what failed is said in the record). */
export async function readCostRecord(o: {
  clients: AwsClients | string;
  scope: CostScope;
  dataDir: string;
  latest: DeploymentIdentity | undefined;
  now: number;
  previous?: CostRecord;
}): Promise<CostRecord> {
  const checkedAt = new Date(o.now).toISOString();
  const deployment = o.latest ? { runId: o.latest.runId, at: o.latest.at } : null;
  const base = { version: 1 as const, deployment, checkedAt, items: [], prices: { source: 'none' as const } };
  if (!o.latest) return { ...base, unknown: 'nothing deployed yet' };
  const targets = {
    services: [...o.scope.services],
    functions: [...(o.scope.functions ?? [])],
    eksClusters: [...(o.scope.eksClusters ?? [])],
  };
  if (!targets.services.length && !targets.functions.length && !targets.eksClusters.length)
    return {
      ...base,
      unknown:
        'nothing to estimate: no ECS service (gate.services, ecs-deploy), Lambda function or EKS cluster',
    };
  if (typeof o.clients === 'string') return { ...base, unknown: o.clients };
  const clients = o.clients;
  const region = o.scope.region ?? clients.region;
  if (!region) return { ...base, unknown: 'no AWS region configured (aws.region or AWS_REGION)' };
  let est;
  try {
    // the estimate's code (usage readers, price lists) loads only when AWS is asked
    const { estimateDeployCost } = await import('./cost-estimate');
    est = await estimateDeployCost({
      clients,
      region,
      dataDir: o.dataDir,
      now: o.now,
      since: Date.parse(o.latest.at),
      targets,
    });
  } catch (err) {
    est = { items: [], prices: { source: 'none' as const, fetchedAt: '' }, error: (err as Error).message };
  }
  const prices: CostSummary['prices'] = {
    source: est.prices.source,
    ...(est.prices.fetchedAt ? { fetchedAt: est.prices.fetchedAt } : {}),
    ...(est.prices.error ? { error: est.prices.error } : {}),
  };
  const items = est.items.map(asLine);
  if (items.some((i) => typeof i.usdPerHour === 'number')) return { ...base, prices, items };
  // Nothing could be read now: the usage read last for this deploy stays, said as stale.
  const why = 'error' in est ? `AWS not reachable: ${est.error}` : (items[0]?.unknown ?? 'not known');
  const prev = o.previous?.deployment?.runId === o.latest.runId ? o.previous : undefined;
  if (prev?.items.some((i) => typeof i.usdPerHour === 'number'))
    return { ...base, prices, items: prev.items, stale: `${why}; usage as of ${prev.checkedAt}` };
  return items.length ? { ...base, prices, items } : { ...base, prices, unknown: why };
}

/** Where the record lives and what a refresh needs. */
export interface CostViewOptions {
  history: StateStorage;
  dataDir: string;
  scope: CostScope;
  /** The clients to ask (built on first use), or why AWS may not be asked (untrusted endpoint). */
  clients: () => AwsClients | string;
  now: () => number;
  /** A budget warning (the notifier's notify). */
  notify: (n: NoticeInput) => void;
  /** The summary changed (the state's subscribers). */
  changed: () => void;
}

/** The cost view of one open project: the record in memory, refreshed when due, with the budget edge. */
export class CostView {
  /** The kept record; read from disk when first asked for (a command that never shows the cost reads nothing). */
  private kept: { rec: CostRecord | undefined } | undefined;
  private over = false;
  private inFlight: Promise<CostSummary | null> | null = null;
  private clients: AwsClients | undefined;
  private poller: Poller | undefined;
  private paused = false;
  private disposed = false;

  constructor(private readonly o: CostViewOptions) {}

  private get rec(): CostRecord | undefined {
    return (this.kept ??= { rec: readRecord(this.o.history) }).rec;
  }

  private set rec(rec: CostRecord | undefined) {
    this.kept = { rec };
  }

  /** The summary as of now, from memory: no AWS call, no file read. */
  summary(): CostSummary | null {
    return this.rec ? costSummaryOf(this.rec, this.o.now(), this.o.scope.budget) : null;
  }

  /**
   * Asks AWS when the record is due (15 minutes old, or a new deploy), else answers from the record; a refresh
   * that takes longer than `waitMs` goes on, and the kept estimate is the answer meanwhile.
   */
  refreshIfDue(waitMs = COST_WAIT_MS): Promise<CostSummary | null> {
    const p = (this.inFlight ??= this.refresh().finally(() => (this.inFlight = null)));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.summary()), waitMs);
      timer.unref?.();
      const done = (s: CostSummary | null) => {
        clearTimeout(timer);
        resolve(s);
      };
      p.then(done, () => done(this.summary()));
    });
  }

  private async refresh(): Promise<CostSummary | null> {
    const latest = readDeployments(this.o.history).at(-1);
    const now = this.o.now();
    // Another process (the tray, a one-shot status) may have refreshed it since: the file is the truth.
    this.rec = readRecord(this.o.history) ?? this.rec;
    // Nothing deployed: nothing costs anything on AWS that Offload knows of, and nothing is written.
    if (!latest) {
      this.rec = undefined;
      return null;
    }
    if (!costRefreshDue(this.rec, latest, now)) return this.summary();
    const next = await readCostRecord({
      clients: this.clientsOrWhy(),
      scope: this.o.scope,
      dataDir: this.o.dataDir,
      latest,
      now,
      previous: this.rec,
    });
    // Closed meanwhile (a one-shot command ended): its clients were destroyed, so what failed is not AWS's answer.
    if (this.disposed) return null;
    this.rec = next;
    try {
      this.o.history.writeState(STATE, this.rec);
    } catch {
      // kept in memory; the next refresh writes it again
    }
    const s = this.summary();
    const edge = budgetEdge(this.over, s?.budget?.exceeded);
    this.over = edge.over;
    if (edge.notice) this.o.notify(edge.notice);
    this.o.changed();
    return s;
  }

  private clientsOrWhy(): AwsClients | string {
    if (this.clients) return this.clients;
    try {
      const c = this.o.clients();
      if (typeof c !== 'string') this.clients = c;
      return c;
    } catch (err) {
      return `AWS clients not built: ${(err as Error).message}`;
    }
  }

  /** Checks every `intervalMs` whether a refresh is due (the tray, `offload watch`); AWS is asked only then. */
  start(intervalMs = 60_000): void {
    this.poller ??= new Poller(async () => void (await this.refreshIfDue()), {
      intervalMs,
      onError: () => undefined,
    });
    this.poller.setPaused(this.paused);
    this.poller.start();
  }

  /** Monitoring paused: no checks (nor AWS calls) until resumed; resuming checks at once. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    this.poller?.setPaused(paused);
  }

  /** Stops the checks and closes the clients it built. */
  dispose(): void {
    this.disposed = true;
    this.poller?.dispose();
    this.clients?.destroy();
    this.clients = undefined;
  }
}

function readRecord(history: StateStorage): CostRecord | undefined {
  try {
    const r = history.readState<CostRecord>(STATE);
    return r?.version === 1 && Array.isArray(r.items) && typeof r.checkedAt === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}
