/**
 * Prices from the AWS Price List API through the real SDK PricingClient (built by the project's AWS clients)
 * against the test endpoint's GetProducts: fetched once and cached in a private file with its date, used from
 * the cache while fresh (no call), and used from the cache offline with the reason said; no cache and no
 * endpoint: unknown, never guessed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../main/core/aws/clients';
import { parseAwsConfig } from '../../main/core/aws/config';
import { fargateCost } from '../../main/core/aws/cost';
import { fargateUsage } from '../../main/core/aws/cost-usage';
import { fetchUnitPrices, loadPrices } from '../../main/core/aws/prices';
import { startFakeAws } from '../fixtures/aws-endpoint/server';

type FakeAws = Awaited<ReturnType<typeof startFakeAws>>;

describe('Price List prices, cached', () => {
  let aws: FakeAws;
  let clients: AwsClients;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-prices-'));
  const keys = { AWS_ACCESS_KEY_ID: 'AKIDPRICES', AWS_SECRET_ACCESS_KEY: 's' };
  beforeAll(async () => {
    aws = await startFakeAws();
    // The Price List is asked in us-east-1 whatever the project's region (PricingClient pins it).
    clients = createAwsClients(
      parseAwsConfig({ endpoint: aws.url, region: 'us-east-1', 'max-attempts': 1 }),
      keys,
    );
  });
  afterAll(async () => {
    clients.destroy();
    await aws.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fetched through the SDK, cached with its date, then used from the cache without a call', async () => {
    aws.state.pricing.prices.push({
      serviceCode: 'AmazonECS',
      regionCode: 'us-east-1',
      usagetype: 'USE1-Fargate-ARM-vCPU-Hours:perCPU',
      unit: 'hours',
      tiers: [[0, '0.0323800000']],
    });
    const now = Date.parse('2026-12-07T09:00:00Z');
    const fetch = () => fetchUnitPrices(clients.pricing, 'us-east-1');
    const first = await loadPrices({ dataDir, region: 'us-east-1', now, fetch });
    expect(first).toMatchObject({ source: 'price-list', fetchedAt: '2026-12-07T09:00:00.000Z' });
    expect(first.prices).toMatchObject({
      fargateVcpuHour: 0.04048,
      fargateArmVcpuHour: 0.03238,
      lambdaRequest: 2e-7,
      eksClusterHour: 0.1,
    });
    const asked = aws.state.requests.filter((r) => r.service === 'pricing');
    expect(asked.map((r) => (r.body as { ServiceCode: string }).ServiceCode).sort()).toEqual([
      'AWSLambda',
      'AmazonECS',
      'AmazonEKS',
    ]);
    expect(clients.calls.get('Pricing.GetProducts')).toBe(3);
    const file = path.join(dataDir, 'aws-prices.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const again = await loadPrices({ dataDir, region: 'us-east-1', now: now + 3_600_000, fetch });
    expect(again).toMatchObject({ source: 'cache', fetchedAt: '2026-12-07T09:00:00.000Z' });
    expect(aws.state.requests.filter((r) => r.service === 'pricing')).toHaveLength(3);
    const c = fargateCost({ name: 'api', cpuUnits: 1024, memoryMiB: 2048, tasks: 1 }, again.prices);
    expect('usdPerHour' in c && c.usdPerHour).toBeCloseTo(0.04048 + 2 * 0.004445, 10);
  });

  it('offline: the stale cache with why; no cache: unknown', async () => {
    const down = createAwsClients(
      parseAwsConfig({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', 'max-attempts': 1 }),
      keys,
    );
    try {
      const fetch = () => fetchUnitPrices(down.pricing, 'us-east-1');
      const later = Date.parse('2026-12-09T09:00:00Z');
      const stale = await loadPrices({ dataDir, region: 'us-east-1', now: later, fetch });
      expect(stale).toMatchObject({ source: 'stale-cache', fetchedAt: '2026-12-07T09:00:00.000Z' });
      expect(stale.error).toMatch(/^Price List not reachable: /);
      expect(stale.prices.fargateGbHour).toBe(0.004445);
      const none = await loadPrices({ dataDir, region: 'eu-west-1', now: later, fetch });
      expect(none).toMatchObject({ source: 'none', prices: { region: 'eu-west-1' } });
      expect(
        fargateCost({ name: 'api', cpuUnits: 256, memoryMiB: 512, tasks: 1 }, none.prices),
      ).toMatchObject({
        unknown: 'no Fargate vCPU-hour price for eu-west-1 in the Price List',
      });
    } finally {
      down.destroy();
    }
  });
});

describe('what the deploy put on AWS', () => {
  it('Fargate services by DescribeServices + DescribeTaskDefinition, priced by hand: 2 × (0.25 vCPU, 0.5 GB)', async () => {
    const aws = await startFakeAws();
    const c = createAwsClients(
      parseAwsConfig({ endpoint: aws.url, region: 'us-east-1', 'max-attempts': 1 }),
      {
        AWS_ACCESS_KEY_ID: 'AKIDUSAGE',
        AWS_SECRET_ACCESS_KEY: 's',
      },
    );
    try {
      aws.state.addService({ cluster: 'dev', service: 'api', desired: 2 });
      const usage = await fargateUsage(c.ecs, [{ cluster: 'dev', service: 'api' }]);
      expect(usage).toEqual([{ name: 'dev/api', cpuUnits: 256, memoryMiB: 512, tasks: 2, arch: 'x86_64' }]);
      const prices = await fetchUnitPrices(c.pricing, 'us-east-1');
      const item = fargateCost(usage[0]!, prices);
      // 2 × (0.25 × 0.04048 + 0.5 × 0.004445) = 0.024685
      expect('usdPerHour' in item && item.usdPerHour).toBeCloseTo(0.024685, 10);
    } finally {
      c.destroy();
      await aws.close();
    }
  });
});
