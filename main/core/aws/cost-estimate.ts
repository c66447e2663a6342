/**
 * The one entry of the cost estimate: given what the last deploy put on AWS (ECS services, Lambda functions,
 * EKS clusters), it reads their usage, loads the prices (Price List, cached on disk) and returns one line per
 * resource, known ($/h with its basis) or "unknown" with why. Nothing is guessed; a failure of one resource's
 * calls makes that resource unknown, naming the action, and leaves the others estimated.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { PricingClient } from '@aws-sdk/client-pricing';
import {
  ec2Cost,
  eksCost,
  fargateCost,
  lambdaCost,
  type CostItem,
  type Ec2Usage,
  type UnitPrices,
} from './cost';
import { ecsEc2Usage, eksUsage, fargateUsage, lambdaMetricsUsage } from './cost-usage';
import { fetchInstancePrices, fetchUnitPrices, loadInstancePrices, loadPrices } from './prices';
import type { CostTargets } from './cost-targets';

/** The clients the estimate asks (AwsClients has them all). */
export interface CostClients {
  ecs: ECSClient;
  cloudwatch: CloudWatchClient;
  lambda: LambdaClient;
  pricing: PricingClient;
  eks: EKSClient;
}

/** The estimate: per-resource lines, and where the prices came from (date, cache, why not reachable). */
export interface CostEstimate {
  items: CostItem[];
  prices: { source: 'price-list' | 'cache' | 'stale-cache' | 'none'; fetchedAt: string; error?: string };
}

/** One line per usage, or one unknown line naming the failed action. */
async function each<T>(
  names: readonly T[],
  label: (t: T) => string,
  kind: CostItem['kind'],
  run: (t: T) => Promise<CostItem[]>,
): Promise<CostItem[]> {
  const out: CostItem[] = [];
  for (const n of names) {
    try {
      out.push(...(await run(n)));
    } catch (err) {
      out.push({ name: label(n), kind, unknown: (err as Error).message });
    }
  }
  return out;
}

/**
 * Estimates what the targets cost per hour. `since` (the deploy's time) bounds the Lambda metrics window;
 * without it Lambda functions are unknown. Prices come from `dataDir`'s cache while fresh (24 h).
 */
export async function estimateDeployCost(o: {
  clients: CostClients;
  region: string;
  dataDir: string;
  now: number;
  since?: number;
  targets: CostTargets;
}): Promise<CostEstimate> {
  const { clients: c, region, targets } = o;
  const loaded = await loadPrices({
    dataDir: o.dataDir,
    region,
    now: o.now,
    fetch: () => fetchUnitPrices(c.pricing, region),
  });
  const prices: UnitPrices = { ...loaded.prices };
  const priceError = loaded.error;
  const items: CostItem[] = [];
  const ec2: Ec2Usage[] = [];
  const eks: { cluster: string; nodegroups: Ec2Usage[] }[] = [];

  if (targets.services.length) {
    try {
      const usage = await fargateUsage(c.ecs, targets.services);
      for (const u of usage) if (!u.onEc2) items.push(withWhy(fargateCost(u, prices), priceError));
      const onEc2 = usage.flatMap((u) => (u.onEc2 ? [u.onEc2] : []));
      if (onEc2.length) ec2.push(...(await ecsEc2Usage(c.ecs, onEc2)));
    } catch (err) {
      const why = (err as Error).message;
      const msg = /^\w+:\w+ /.test(why) ? why : `ecs:DescribeServices failed: ${why}`;
      for (const s of targets.services)
        items.push({ name: `${s.cluster}/${s.service}`, kind: 'fargate', unknown: msg });
    }
  }
  items.push(
    ...(await each(
      targets.eksClusters,
      (t) => `${t.cluster} (EKS)`,
      'eks',
      async (t) => {
        if (t.region && t.region !== region)
          return [
            {
              name: `${t.cluster} (EKS)`,
              kind: 'eks',
              unknown: `in ${t.region}, not ${region}: not estimated`,
            },
          ];
        eks.push(await eksUsage(c.eks, t.cluster));
        return [];
      },
    )),
  );
  const types = [...ec2, ...eks.flatMap((e) => e.nodegroups)].flatMap((u) =>
    u.instances.map((i) => i.instanceType),
  );
  let absent: string[] = [];
  let instanceError: string | undefined;
  if (types.length) {
    const ip = await loadInstancePrices({
      dataDir: o.dataDir,
      region,
      types,
      now: o.now,
      fetch: (t) => fetchInstancePrices(c.pricing, region, t),
    });
    prices.ec2Hour = ip.ec2Hour;
    absent = ip.absent;
    instanceError = ip.error;
  }
  const ec2Why = (i: CostItem): CostItem => {
    if (!('unknown' in i) || !i.unknown.startsWith('no Linux on-demand price for ')) return i;
    const missing = i.unknown.slice('no Linux on-demand price for '.length).split(' in ')[0]!.split(', ');
    return missing.every((t) => absent.includes(t)) || !instanceError
      ? i
      : { ...i, unknown: `price of ${missing.join(', ')} unknown: ${instanceError}, and none cached` };
  };
  items.push(...ec2.map((u) => ec2Why(ec2Cost(u, prices))));
  for (const e of eks) items.push(...eksCost(e, prices).map((i) => ec2Why(withWhy(i, priceError))));

  items.push(
    ...(await each(
      targets.functions,
      (f) => f,
      'lambda',
      async (fn) => {
        if (o.since === undefined)
          return [{ name: fn, kind: 'lambda', unknown: 'no deploy time to measure from' }];
        const u = await lambdaMetricsUsage(c.lambda, c.cloudwatch, fn, o.since, o.now);
        return [withWhy(lambdaCost(u, prices), priceError)];
      },
    )),
  );
  return {
    items,
    prices: {
      source: loaded.source,
      fetchedAt: loaded.fetchedAt,
      ...(priceError || instanceError ? { error: priceError ?? instanceError } : {}),
    },
  };
}

/** A price missing because the Price List could not be asked (and nothing was cached) says so. */
function withWhy(i: CostItem, priceError: string | undefined): CostItem {
  if (!priceError || !('unknown' in i) || !/ price for .* in the Price List$/.test(i.unknown)) return i;
  return { ...i, unknown: `${i.unknown.replace(/ in the Price List$/, '')}: ${priceError}, and none cached` };
}
