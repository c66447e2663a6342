/**
 * What AWS actually billed for a project: Cost Explorer's GetCostAndUsage for the last days (DAILY,
 * UnblendedCost, resources tagged `offload:project` = the project, grouped by SERVICE). Cost Explorer's data
 * lags up to 24 h and each call is billed ($0.01), so the answer is cached on disk for an hour and always shown
 * as "actual, delayed up to 24 h". An account without Cost Explorer, a denied call or missing data is said in
 * words, never thrown.
 */
import path from 'node:path';
import type { CostExplorerClient, GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import { PRIVATE_FILE, readPrivateJsonObject, writeFileAtomic } from '../platform/atomic-file';
import { projectEffects } from '../boundary/network';
import type { OffloadConfig } from '../vocabulary';
import type { AwsClients } from './clients';
import { classifyAwsError, explainAwsError } from './errors';
import { PROJECT_TAG } from './offload-tags';

/** How every actual figure is labelled: it is what AWS billed, as late as Cost Explorer has it. */
export const ACTUAL_COST_LABEL = 'actual, delayed up to 24 h (Cost Explorer)';
/** How long an answer is reused before Cost Explorer is asked again (each request costs $0.01). */
export const ACTUAL_COST_MAX_AGE_MS = 3_600_000;
/** The most days asked for at once (Cost Explorer keeps 13 months; a longer DAILY answer is paged). */
export const MAX_ACTUAL_DAYS = 90;
const MAX_PAGES = 10;

/** One day's actual cost (UTC calendar day). */
export interface ActualDay {
  /** YYYY-MM-DD. */
  date: string;
  usd: number;
  /** Cost Explorer marks a day whose figures may still change. */
  estimated: boolean;
}

/** The actual cost of a project's tagged resources, or why it is not known. */
export interface ActualCost {
  label: string;
  project: string;
  tag: { key: string; value: string };
  days: number;
  /** First day (inclusive) and the day after the last (exclusive), YYYY-MM-DD. */
  start: string;
  end: string;
  daily: ActualDay[];
  /** By AWS service name, largest first. */
  services: { service: string; usd: number }[];
  total: number;
  /** When Cost Explorer answered (ISO); '' when it did not. */
  fetchedAt: string;
  source: 'cost-explorer' | 'cache' | 'none';
  /** Why there are no figures (not enabled, denied, no data, unreachable); absent when there are. */
  problem?: string;
  /** Something to know about the figures (no tagged cost: the tag may not be activated yet). */
  note?: string;
}

const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last `days` whole UTC days before `now`'s day (Cost Explorer's End is exclusive). */
export function costPeriod(now: number, days: number): { start: string; end: string } {
  const today = Date.parse(ymd(now));
  return { start: ymd(today - days * 86_400_000), end: ymd(today) };
}

const amount = (v: { Amount?: string } | undefined): number => {
  const n = Number(v?.Amount ?? 0);
  return Number.isFinite(n) ? n : 0;
};
const cents = (n: number) => Math.round(n * 100) / 100;

/** Reads GetCostAndUsage's ResultsByTime (grouped by SERVICE) into per-day and per-service totals. */
export function readCostAndUsage(
  results: GetCostAndUsageCommandOutput['ResultsByTime'],
): Pick<ActualCost, 'daily' | 'services' | 'total'> {
  const daily: ActualDay[] = [];
  const byService = new Map<string, number>();
  for (const r of results ?? []) {
    const date = r.TimePeriod?.Start ?? '';
    let usd = 0;
    if (r.Groups?.length) {
      for (const g of r.Groups) {
        const v = amount(g.Metrics?.UnblendedCost);
        usd += v;
        const service = g.Keys?.[0] ?? 'unknown service';
        byService.set(service, (byService.get(service) ?? 0) + v);
      }
    } else usd = amount(r.Total?.UnblendedCost);
    daily.push({ date, usd: cents(usd), estimated: r.Estimated === true });
  }
  const services = [...byService]
    .map(([service, usd]) => ({ service, usd: cents(usd) }))
    .filter((s) => s.usd !== 0)
    .sort((a, b) => b.usd - a.usd || a.service.localeCompare(b.service));
  return { daily, services, total: cents(daily.reduce((s, d) => s + d.usd, 0)) };
}

/** A Cost Explorer refusal in plain words: not enabled, denied, no data yet, or not reachable. */
export function costExplorerProblem(err: unknown): string {
  const e = err as { name?: string; message?: string; Code?: string };
  const name = e?.name ?? e?.Code ?? 'Error';
  const msg = (e?.message ?? String(err)).trim();
  if (/not enabled for cost explorer|cost explorer.*not (been )?enabled/i.test(msg))
    return `Cost Explorer is not enabled for this account: ${msg}. Enable it in the Billing console (Cost Explorer → Launch Cost Explorer); data appears within 24 h`;
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name))
    return `AccessDenied on ce:GetCostAndUsage: ${msg}. Allow ce:GetCostAndUsage for this identity (IAM), and in an AWS Organizations member account ask the management account for Cost Explorer access`;
  if (/DataUnavailable/i.test(name))
    return `Cost Explorer has no data for this account yet: ${msg}. It appears up to 24 h after Cost Explorer is enabled`;
  if (name === 'EffectRefused') return `Cost Explorer was not asked: ${msg}`;
  if (/BillExpiration/i.test(name)) return `Cost Explorer refused the period: ${msg}`;
  // Credentials, expiry, throttling, the network: the one explanation every AWS call gives, with its fix.
  if (classifyAwsError(err) !== 'other')
    return explainAwsError(err, { action: 'Cost Explorer GetCostAndUsage' });
  return `Cost Explorer could not be asked (${name}): ${msg}`;
}

/** Asks Cost Explorer for the project's tagged cost per day and service (one request per page). */
export async function fetchActualCost(
  ce: CostExplorerClient,
  o: { project: string; start: string; end: string },
): Promise<Pick<ActualCost, 'daily' | 'services' | 'total'>> {
  const { GetCostAndUsageCommand } =
    require('@aws-sdk/client-cost-explorer') as typeof import('@aws-sdk/client-cost-explorer');
  const results: NonNullable<GetCostAndUsageCommandOutput['ResultsByTime']> = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: o.start, End: o.end },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        Filter: { Tags: { Key: PROJECT_TAG, Values: [o.project], MatchOptions: ['EQUALS'] } },
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
        NextPageToken: token,
      }),
    );
    results.push(...(r.ResultsByTime ?? []));
    token = r.NextPageToken;
    if (!token) break;
  }
  return readCostAndUsage(results);
}

type CacheFile = Record<
  string,
  { fetchedAt: string; figures: Pick<ActualCost, 'daily' | 'services' | 'total'> }
>;
const cachePath = (dataDir: string) => path.join(dataDir, 'aws-cost-actual.json');

const readCache = (dataDir: string): CacheFile =>
  readPrivateJsonObject<CacheFile>(cachePath(dataDir)) as CacheFile;

/**
 * The project's actual cost for the last `days`: from the cache while under an hour old (and for the same
 * period), else from Cost Explorer (cached). A failure is the result's `problem`, never an exception.
 */
export async function actualCost(o: {
  dataDir: string;
  project: string;
  days?: number;
  now: number;
  /** Tells apart accounts and endpoints sharing a data folder (profile, endpoint). */
  account?: string;
  client: () => CostExplorerClient;
  maxAgeMs?: number;
}): Promise<ActualCost> {
  const days = Math.min(Math.max(1, Math.floor(o.days ?? 7)), MAX_ACTUAL_DAYS);
  const { start, end } = costPeriod(o.now, days);
  const base = {
    label: ACTUAL_COST_LABEL,
    project: o.project,
    tag: { key: PROJECT_TAG, value: o.project },
    days,
    start,
    end,
  };
  const noted = (figures: Pick<ActualCost, 'daily' | 'services' | 'total'>) =>
    figures.daily.every((d) => d.usd === 0)
      ? {
          note: `no cost is tagged ${PROJECT_TAG}=${o.project} in this period: the tag must be activated as a cost allocation tag (Billing console → Cost allocation tags), which applies from then on, up to 24 h later`,
        }
      : {};
  const key = `${o.account ?? ''}|${o.project}|${start}|${end}`;
  const cache = readCache(o.dataDir);
  const hit = cache[key];
  if (hit && o.now - Date.parse(hit.fetchedAt) < (o.maxAgeMs ?? ACTUAL_COST_MAX_AGE_MS))
    return { ...base, ...hit.figures, fetchedAt: hit.fetchedAt, source: 'cache', ...noted(hit.figures) };
  try {
    const figures = await fetchActualCost(o.client(), { project: o.project, start, end });
    const fetchedAt = new Date(o.now).toISOString();
    // Only answers from the last day are kept (older periods are never asked again).
    const kept = Object.fromEntries(
      Object.entries(cache).filter(([, v]) => o.now - Date.parse(v.fetchedAt) < 86_400_000),
    );
    writeFileAtomic(
      cachePath(o.dataDir),
      JSON.stringify({ ...kept, [key]: { fetchedAt, figures } }, null, 2) + '\n',
      PRIVATE_FILE,
    );
    return { ...base, ...figures, fetchedAt, source: 'cost-explorer', ...noted(figures) };
  } catch (err) {
    return {
      ...base,
      daily: [],
      services: [],
      total: 0,
      fetchedAt: '',
      source: 'none',
      problem: costExplorerProblem(err),
    };
  }
}

/**
 * The actual cost for an open project: Cost Explorer through the boundary (the project's `aws:` profile and
 * endpoint, refused for an untrusted project that names its own endpoint), said as a problem when refused.
 */
export async function projectActualCost(
  config: Pick<OffloadConfig, 'name' | 'aws' | 'env' | 'dir'>,
  o: { dataDir: string; env: NodeJS.ProcessEnv; trusted: boolean; days?: number; now?: number },
): Promise<ActualCost> {
  const effects = projectEffects({
    trusted: o.trusted,
    env: o.env,
    project: { name: config.name, dir: config.dir, env: config.env },
  });
  let clients: AwsClients | undefined;
  try {
    return await actualCost({
      dataDir: o.dataDir,
      project: config.name,
      days: o.days,
      now: o.now ?? Date.now(),
      account: `${config.aws.profile ?? o.env.AWS_PROFILE ?? ''}|${config.aws.endpoint ?? ''}`,
      client: () => (clients ??= effects.awsClients(config.aws, { ...o.env, ...config.env })).costExplorer,
    });
  } finally {
    clients?.destroy();
  }
}
