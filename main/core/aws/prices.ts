/**
 * Unit prices from the AWS Price List API (GetProducts for AmazonECS and AWSLambda in the project's region),
 * cached on disk with their date in a private file of the data folder and used from there offline: a failed
 * fetch falls back to the cached prices (said with their date), and with no cache the prices stay unknown.
 */
import path from 'node:path';
import type { PricingClient } from '@aws-sdk/client-pricing';
import { PRIVATE_FILE, readPrivateFile, writeFileAtomic } from '../platform/atomic-file';
import { parsePriceList, unitPrices, type PriceDimension, type UnitPrices } from './cost';

/** How long cached prices are used before they are asked for again (AWS changes them rarely). */
export const PRICE_MAX_AGE_MS = 24 * 3_600_000;

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

function readCache(dataDir: string): CacheFile {
  try {
    const v: unknown = JSON.parse(readPrivateFile(cachePath(dataDir), 1024 * 1024).toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as CacheFile) : {};
  } catch {
    return {};
  }
}

/** Every product of a service in the region, page by page (the Price List answers 100 at most per page). */
async function products(
  client: PricingClient,
  serviceCode: string,
  region: string,
): Promise<PriceDimension[]> {
  const { GetProductsCommand } =
    require('@aws-sdk/client-pricing') as typeof import('@aws-sdk/client-pricing');
  const out: PriceDimension[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await client.send(
      new GetProductsCommand({
        ServiceCode: serviceCode,
        Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: region }],
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

/** Asks the Price List for the region's Fargate and Lambda prices. */
export async function fetchUnitPrices(client: PricingClient, region: string): Promise<UnitPrices> {
  const [ecs, lambda] = await Promise.all([
    products(client, 'AmazonECS', region),
    products(client, 'AWSLambda', region),
  ]);
  return unitPrices([...ecs, ...lambda], region);
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
    const error = `Price List not reachable: ${(err as Error).message}`;
    if (hit) return { prices: hit.prices, fetchedAt: hit.fetchedAt, source: 'stale-cache', error };
    return { prices: { region: o.region }, fetchedAt: '', source: 'none', error };
  }
}
