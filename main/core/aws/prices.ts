/**
 * Unit prices from the AWS Price List API (GetProducts for AmazonECS, AWSLambda and AmazonEKS in the project's
 * region, and AmazonEC2 per instance type asked for), cached on disk with their date in a private file of the data folder and used from there offline: a failed
 * fetch falls back to the cached prices (said with their date), and with no cache the prices stay unknown.
 */
import path from 'node:path';
import type { PricingClient } from '@aws-sdk/client-pricing';
import { PRIVATE_FILE, readPrivateJsonObject, writeFileAtomic } from '../platform/atomic-file';
import { classifyAwsError } from './errors';
import { instanceHourPrices, parsePriceList, unitPrices, type PriceDimension, type UnitPrices } from './cost';
import { sha256Hex } from '../platform/digest';

/** How long cached prices are used before they are asked for again (AWS changes them rarely). */
export const PRICE_MAX_AGE_MS = 24 * 3_600_000;

/** Why the Price List gave no prices: access denied names the action; anything else is "not reachable". */
export function priceListError(err: unknown): string {
  const message = (err as { message?: string }).message ?? String(err);
  return classifyAwsError(err) === 'access-denied'
    ? `pricing:GetProducts denied: ${message}`
    : `Price List not reachable: ${message}`;
}

/** Unit prices with where they came from. */
export interface PricesResult {
  prices: UnitPrices;
  fetchedAt: string;
  source: 'price-list' | 'cache' | 'stale-cache' | 'none';
  /** Why the Price List could not be asked (offline, denied); absent when it answered. */
  error?: string;
}

type CacheFile = Record<string, { fetchedAt: string; prices: UnitPrices }>;

const cachePath = (dataDir: string) => path.join(dataDir, 'aws-prices.json');

/**
 * The folder whose price cache serves `endpoint`: AWS's own Price List (no endpoint) is shared by every
 * project; an endpoint set in offload.yml (moto, LocalStack, a proxy) gets a cache of its own, so what it
 * answered never prices a project that talks to AWS.
 */
export function priceCacheDir(dataDir: string, endpoint: string | undefined): string {
  if (!endpoint) return dataDir;
  const id = sha256Hex(endpoint).slice(0, 16);
  return path.join(dataDir, 'aws-prices-by-endpoint', id);
}

const readCache = (dataDir: string): CacheFile =>
  readPrivateJsonObject<CacheFile>(cachePath(dataDir)) as CacheFile;

/** Every product of a service in the region, page by page (the Price List answers 100 at most per page). */
async function products(
  client: PricingClient,
  serviceCode: string,
  region: string,
  more: Record<string, string> = {},
): Promise<PriceDimension[]> {
  const { GetProductsCommand } =
    require('@aws-sdk/client-pricing') as typeof import('@aws-sdk/client-pricing');
  const out: PriceDimension[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await client.send(
      new GetProductsCommand({
        ServiceCode: serviceCode,
        Filters: Object.entries({ regionCode: region, ...more }).map(([Field, Value]) => ({
          Type: 'TERM_MATCH' as const,
          Field,
          Value,
        })),
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        NextToken: token,
      }),
    );
    out.push(...parsePriceList(r.PriceList ?? []));
    token = r.NextToken;
    if (!token) break;
  }
  return out;
}

/** Asks the Price List for the region's Fargate, Lambda and EKS cluster prices. */
export async function fetchUnitPrices(client: PricingClient, region: string): Promise<UnitPrices> {
  const [ecs, lambda, eks] = await Promise.all([
    products(client, 'AmazonECS', region),
    products(client, 'AWSLambda', region),
    products(client, 'AmazonEKS', region),
  ]);
  return unitPrices([...ecs, ...lambda, ...eks], region);
}

/** The filters that select one instance type's Linux on-demand price (AWS's own attribute names and values). */
export const EC2_LINUX_FILTERS = {
  operatingSystem: 'Linux',
  tenancy: 'Shared',
  preInstalledSw: 'NA',
  capacitystatus: 'Used',
} as const;

/** Asks the Price List for each instance type's Linux on-demand hourly price (one GetProducts per type). */
export async function fetchInstancePrices(
  client: PricingClient,
  region: string,
  types: readonly string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const instanceType of types) {
    const dims = await products(client, 'AmazonEC2', region, { ...EC2_LINUX_FILTERS, instanceType });
    Object.assign(out, instanceHourPrices(dims, region));
  }
  return out;
}

/** The region's prices: from the cache while fresh, else from the Price List (cached), else the stale cache. */
export async function loadPrices(o: {
  dataDir: string;
  region: string;
  now: number;
  fetch: () => Promise<UnitPrices>;
  maxAgeMs?: number;
}): Promise<PricesResult> {
  const cache = readCache(o.dataDir);
  const hit = cache[o.region];
  if (hit && o.now - Date.parse(hit.fetchedAt) < (o.maxAgeMs ?? PRICE_MAX_AGE_MS))
    return { prices: hit.prices, fetchedAt: hit.fetchedAt, source: 'cache' };
  try {
    const prices = await o.fetch();
    const fetchedAt = new Date(o.now).toISOString();
    writeFileAtomic(
      cachePath(o.dataDir),
      JSON.stringify({ ...cache, [o.region]: { fetchedAt, prices } }, null, 2) + '\n',
      PRIVATE_FILE,
    );
    return { prices, fetchedAt, source: 'price-list' };
  } catch (err) {
    const error = priceListError(err);
    if (hit) return { prices: hit.prices, fetchedAt: hit.fetchedAt, source: 'stale-cache', error };
    return { prices: { region: o.region }, fetchedAt: '', source: 'none', error };
  }
}

/** Instance prices with where they came from; `missing` the types the Price List has no price for. */
export interface InstancePricesResult {
  ec2Hour: Record<string, number>;
  /** Types the Price List answered for without a Linux on-demand price (others without a price: not asked). */
  absent: string[];
  /** The oldest date of the prices used. */
  fetchedAt: string;
  source: PricesResult['source'];
  error?: string;
}

/**
 * The instance types' prices: each from the cache while fresh (a type the Price List had no price for is
 * cached as such), the others asked for (and cached); offline, the stale cache, else the type stays unknown.
 */
export async function loadInstancePrices(o: {
  dataDir: string;
  region: string;
  types: readonly string[];
  now: number;
  fetch: (types: readonly string[]) => Promise<Record<string, number>>;
  maxAgeMs?: number;
}): Promise<InstancePricesResult> {
  const cache = readCache(o.dataDir);
  const key = (t: string) => `ec2:${o.region}:${t}`;
  const fresh = (t: string) => {
    const hit = cache[key(t)];
    return hit && o.now - Date.parse(hit.fetchedAt) < (o.maxAgeMs ?? PRICE_MAX_AGE_MS);
  };
  const want = [...new Set(o.types)].filter((t) => !fresh(t));
  let source: PricesResult['source'] = want.length ? 'price-list' : 'cache';
  let error: string | undefined;
  if (want.length) {
    try {
      const got = await o.fetch(want);
      const fetchedAt = new Date(o.now).toISOString();
      const next = { ...readCache(o.dataDir) };
      for (const t of want)
        next[key(t)] = {
          fetchedAt,
          prices: { region: o.region, ...(got[t] !== undefined ? { ec2Hour: { [t]: got[t] } } : {}) },
        };
      writeFileAtomic(cachePath(o.dataDir), JSON.stringify(next, null, 2) + '\n', PRIVATE_FILE);
      Object.assign(cache, next);
    } catch (err) {
      error = priceListError(err);
      source = want.some((t) => cache[key(t)]) ? 'stale-cache' : 'none';
    }
  }
  const ec2Hour: Record<string, number> = {};
  const absent: string[] = [];
  const dates: string[] = [];
  for (const t of new Set(o.types)) {
    const hit = cache[key(t)];
    if (!hit) continue;
    dates.push(hit.fetchedAt);
    const usd = hit.prices.ec2Hour?.[t];
    if (usd !== undefined) ec2Hour[t] = usd;
    else absent.push(t);
  }
  return { ec2Hour, absent, fetchedAt: dates.sort()[0] ?? '', source, ...(error ? { error } : {}) };
}
