/**
 * The cost estimate for EC2 instances (behind an ECS cluster, GPU types included), EKS (cluster fee + node
 * groups) and Lambda from CloudWatch metrics, by hand-computed cases on us-east-1's public prices in the Price
 * List's real answer shape; an instance type with no single Linux on-demand price is unknown, never guessed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInstancePrices, priceCacheDir } from '../../main/core/aws/prices';
import {
  costTotal,
  countInstances,
  ec2Cost,
  eksCost,
  instanceHourPrices,
  lambdaCost,
  lambdaUsageFromMetrics,
  parsePriceList,
  unitPrices,
  type UnitPrices,
} from '../../main/core/aws/cost';
import { costTargets } from '../../main/core/aws/cost-targets';
import {
  priceListItem,
  US_EAST_1_EC2_PRICES,
  US_EAST_1_EKS_PRICES,
  US_EAST_1_PRICES,
  type FakePrice,
} from '../fixtures/aws-endpoint/pricing';

/** What the Price List answers for the filters fetchInstancePrices sends. */
const linuxOnDemand = (p: FakePrice) =>
  p.attributes?.operatingSystem === 'Linux' &&
  p.attributes.tenancy === 'Shared' &&
  p.attributes.preInstalledSw === 'NA' &&
  p.attributes.capacitystatus === 'Used';

const dims = parsePriceList(
  [...US_EAST_1_PRICES, ...US_EAST_1_EKS_PRICES, ...US_EAST_1_EC2_PRICES.filter(linuxOnDemand)].map(
    priceListItem,
  ),
);
const prices: UnitPrices = {
  ...unitPrices(dims, 'us-east-1'),
  ec2Hour: instanceHourPrices(dims, 'us-east-1'),
};
const usdOf = (i: { usdPerHour?: number }) => i.usdPerHour;

describe('Price List: EC2 and EKS', () => {
  it('Linux on-demand instance prices by type, and the EKS cluster-hour fee (standard support)', () => {
    expect(prices.ec2Hour).toEqual({
      'g5.xlarge': 1.006,
      'g6.xlarge': 0.8048,
      'p4d.24xlarge': 32.7726,
      'm5.large': 0.096,
      't3.medium': 0.0416,
    });
    expect(prices.eksClusterHour).toBe(0.1);
  });
  it('unfiltered products (Windows, dedicated, SQL Server beside Linux) give no price rather than a guess', () => {
    const all = instanceHourPrices(parsePriceList(US_EAST_1_EC2_PRICES.map(priceListItem)), 'us-east-1');
    // g5.xlarge has Linux $1.006, Windows $1.19 and reservation $0 products under BoxUsage: ambiguous.
    expect(all['g5.xlarge']).toBeUndefined();
    expect(all['m5.large']).toBeUndefined();
    expect(all['t3.medium']).toBe(0.0416);
    // Another region's answers give nothing for us-east-1's types.
    expect(instanceHourPrices(dims, 'eu-west-1')).toEqual({});
  });
});

describe('hand-computed estimates', () => {
  it('EC2 behind an ECS cluster: 2 × g5.xlarge ($1.006) + 1 × m5.large ($0.096) = $2.108/h, whole instances', () => {
    const c = ec2Cost(
      {
        name: 'gpu/infer (EC2)',
        instances: countInstances(['g5.xlarge', 'm5.large', 'g5.xlarge']),
        share: 'whole instances of cluster gpu; other tasks there share them',
      },
      prices,
    );
    expect(usdOf(c as { usdPerHour?: number })).toBeCloseTo(2.108, 10);
    expect(c).toMatchObject({
      kind: 'ec2',
      basis: '2 × g5.xlarge + 1 × m5.large (whole instances of cluster gpu; other tasks there share them)',
    });
    // One p4d.24xlarge (8 × A100): $32.7726/h.
    const p4 = ec2Cost({ name: 'train', instances: [{ instanceType: 'p4d.24xlarge', count: 1 }] }, prices);
    expect(usdOf(p4 as { usdPerHour?: number })).toBeCloseTo(32.7726, 10);
  });
  it('EKS: $0.10 fee + 3 × g6.xlarge ($0.8048) + 2 × t3.medium ($0.0416) = $2.5976/h', () => {
    const items = eksCost(
      {
        cluster: 'ml',
        nodegroups: [
          { name: 'ml/gpu', instances: [{ instanceType: 'g6.xlarge', count: 3 }], share: 'desired size 3' },
          { name: 'ml/sys', instances: [{ instanceType: 't3.medium', count: 2 }], share: 'desired size 2' },
        ],
      },
      prices,
    );
    expect(items.map((i) => [i.name, i.kind, usdOf(i as { usdPerHour?: number })])).toEqual([
      ['ml (cluster fee)', 'eks', 0.1],
      ['ml/gpu', 'eks', expect.closeTo(2.4144, 10)],
      ['ml/sys', 'eks', expect.closeTo(0.0832, 10)],
    ]);
    expect(costTotal(items)).toEqual({ usdPerHour: expect.closeTo(2.5976, 10), partial: false });
  });
  it('Lambda from metrics: 36,000 invocations, 7,200,000 ms at 1024 MB over 2 h = (7200 GB-s × $0.0000166667 + 36,000 × $0.0000002) / 2 = $0.06360012/h', () => {
    const since = Date.parse('2026-12-07T08:00:00Z');
    const u = lambdaUsageFromMetrics({
      name: 'resize',
      memoryMiB: 1024,
      invocationsSum: 36_000,
      durationMsSum: 7_200_000,
      since,
      now: since + 2 * 3_600_000,
    });
    expect(u.periodHours).toBe(2);
    const c = lambdaCost(u, prices);
    expect(usdOf(c as { usdPerHour?: number })).toBeCloseTo(0.06360012, 12);
    expect(c).toMatchObject({ basis: '36000 requests, 7200 GB-s in 2 h' });
  });
});

describe('unknown, with why', () => {
  it('an instance type not in the Price List, a node group of several types, a missing EKS fee', () => {
    expect(ec2Cost({ name: 'x', instances: [{ instanceType: 'p5.48xlarge', count: 1 }] }, prices)).toEqual({
      name: 'x',
      kind: 'ec2',
      unknown: 'no Linux on-demand price for p5.48xlarge in us-east-1 in the Price List',
    });
    const items = eksCost(
      {
        cluster: 'ml',
        nodegroups: [
          {
            name: 'ml/mixed',
            instances: [],
            unknown: 'several instance types (m5.large, m5a.large): which of them run is not known',
          },
        ],
      },
      { region: 'eu-west-1' },
    );
    expect(items).toEqual([
      {
        name: 'ml (cluster fee)',
        kind: 'eks',
        unknown: 'no EKS cluster-hour price for eu-west-1 in the Price List',
      },
      {
        name: 'ml/mixed',
        kind: 'eks',
        unknown: 'several instance types (m5.large, m5a.large): which of them run is not known',
      },
    ]);
    expect(costTotal(items)).toEqual({ usdPerHour: 0, partial: true });
  });
});

describe('what the deploy put on AWS, from its steps', () => {
  it('ecs-deploy, lambda-deploy and eks-rollout steps name the targets; expressions and duplicates are skipped', () => {
    expect(
      costTargets([
        { kind: 'ecs-deploy', spec: { cluster: 'dev', service: 'api' } },
        { kind: 'ecs-deploy', spec: { cluster: 'dev', service: 'api', image: 'x' } },
        { kind: 'ecs-deploy', spec: { cluster: '${{ env.C }}', service: 'w' } },
        { kind: 'lambda-deploy', spec: { function: 'resize', zip: 'a.zip' } },
        { kind: 'eks-rollout', spec: { deployment: 'web', eks: { cluster: 'ml', region: 'us-east-1' } } },
        { kind: 'eks-rollout', spec: { deployment: 'web', context: 'kind-dev' } },
        { kind: 'run', spec: { run: 'echo' } },
      ]),
    ).toEqual({
      services: [{ cluster: 'dev', service: 'api' }],
      functions: ['resize'],
      eksClusters: [{ cluster: 'ml', region: 'us-east-1' }],
    });
  });
});

describe('instance prices cached per type', () => {
  it('asked once per type (a type without a price cached as such), used stale offline, unknown with no cache', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-ec2-prices-'));
    try {
      const asked: string[][] = [];
      const t0 = Date.parse('2026-12-07T09:00:00Z');
      const online = async (types: readonly string[]) => {
        asked.push([...types]);
        return Object.fromEntries(types.filter((t) => t !== 'p5.48xlarge').map((t) => [t, 1.006]));
      };
      const first = await loadInstancePrices({
        dataDir,
        region: 'us-east-1',
        types: ['g5.xlarge', 'p5.48xlarge', 'g5.xlarge'],
        now: t0,
        fetch: online,
      });
      expect(first).toEqual({
        ec2Hour: { 'g5.xlarge': 1.006 },
        absent: ['p5.48xlarge'],
        fetchedAt: '2026-12-07T09:00:00.000Z',
        source: 'price-list',
      });
      const again = await loadInstancePrices({
        dataDir,
        region: 'us-east-1',
        types: ['g5.xlarge', 'p5.48xlarge', 'm5.large'],
        now: t0 + 3_600_000,
        fetch: online,
      });
      expect(asked).toEqual([['g5.xlarge', 'p5.48xlarge'], ['m5.large']]);
      expect(again.ec2Hour).toEqual({ 'g5.xlarge': 1.006, 'm5.large': 1.006 });
      const offline = async (): Promise<Record<string, number>> => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:9');
      };
      const stale = await loadInstancePrices({
        dataDir,
        region: 'us-east-1',
        types: ['g5.xlarge', 'g6.xlarge'],
        now: t0 + 3 * 24 * 3_600_000,
        fetch: offline,
      });
      expect(stale).toEqual({
        ec2Hour: { 'g5.xlarge': 1.006 },
        absent: [],
        fetchedAt: '2026-12-07T09:00:00.000Z',
        source: 'stale-cache',
        error: 'Price List not reachable: connect ECONNREFUSED 127.0.0.1:9',
      });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('where prices are cached', () => {
  it('AWS’s Price List is shared; each endpoint offload.yml names gets a cache of its own', () => {
    expect(priceCacheDir('/d', undefined)).toBe('/d');
    const moto = priceCacheDir('/d', 'http://127.0.0.1:5000');
    expect(moto).not.toBe('/d');
    expect(path.dirname(path.dirname(moto))).toBe('/d');
    expect(priceCacheDir('/d', 'http://127.0.0.1:5001')).not.toBe(moto);
    expect(priceCacheDir('/d', 'http://127.0.0.1:5000')).toBe(moto);
  });
});
