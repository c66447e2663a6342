/**
 * The cost estimate by hand-computed cases (us-east-1's public prices): Fargate from the task definition's
 * size, Lambda from CloudWatch's GB-seconds and requests; the Price List's real answer shape read back; a
 * price that is not there said "unknown" with why, never guessed; the budget warning.
 */
import { describe, expect, it } from 'vitest';
import {
  budgetExceeded,
  costLine,
  costTotal,
  fargateCost,
  lambdaCost,
  parsePriceList,
  unitPrices,
  type CostItem,
} from '../../main/core/aws/cost';
import { priceListItem, US_EAST_1_PRICES } from '../fixtures/aws-endpoint/pricing';

const prices = unitPrices(parsePriceList(US_EAST_1_PRICES.map(priceListItem)), 'us-east-1');

describe('Price List answers', () => {
  it('PriceList JSON strings read into first-tier unit prices of the region', () => {
    expect(prices).toEqual({
      region: 'us-east-1',
      fargateVcpuHour: 0.04048,
      fargateGbHour: 0.004445,
      lambdaGbSecond: 0.0000166667,
      lambdaRequest: 0.0000002,
    });
    // Another region's products, and malformed items, give nothing.
    expect(unitPrices(parsePriceList(US_EAST_1_PRICES.map(priceListItem)), 'eu-west-1')).toEqual({
      region: 'eu-west-1',
    });
    expect(parsePriceList(['not json', '{}', '{"product":{},"terms":{}}', 'null'])).toEqual([]);
  });
});

describe('hand-computed estimates', () => {
  it('Fargate: 2 tasks × (0.5 vCPU × $0.04048 + 1 GB × $0.004445) = $0.04937/h', () => {
    const c = fargateCost({ name: 'api', cpuUnits: 512, memoryMiB: 1024, tasks: 2 }, prices);
    expect('usdPerHour' in c && c.usdPerHour).toBeCloseTo(0.04937, 10);
    expect(c).toMatchObject({ basis: '2 tasks × (0.5 vCPU, 1 GB)' });
    // 1 task of 4 vCPU, 8 GB: 4 × 0.04048 + 8 × 0.004445 = 0.19748.
    const big = fargateCost({ name: 'w', cpuUnits: 4096, memoryMiB: 8192, tasks: 1 }, prices);
    expect('usdPerHour' in big && big.usdPerHour).toBeCloseTo(0.19748, 10);
  });
  it('Lambda: 10,000 requests of 200 ms at 512 MB in 1 h = 1000 GB-s × $0.0000166667 + $0.002 = $0.0186667/h', () => {
    const c = lambdaCost(
      { name: 'fn', memoryMiB: 512, invocations: 10_000, durationMsSum: 2_000_000, periodHours: 1 },
      prices,
    );
    expect('usdPerHour' in c && c.usdPerHour).toBeCloseTo(0.0186667, 10);
    // The same use measured over 2 h costs half per hour.
    const two = lambdaCost(
      { name: 'fn', memoryMiB: 512, invocations: 10_000, durationMsSum: 2_000_000, periodHours: 2 },
      prices,
    );
    expect('usdPerHour' in two && two.usdPerHour).toBeCloseTo(0.00933335, 10);
  });
  it('unknown prices say so and why; the total then is marked partial', () => {
    const arm = fargateCost({ name: 'api', cpuUnits: 512, memoryMiB: 1024, tasks: 1, arch: 'arm64' }, prices);
    expect(arm).toEqual({
      name: 'api',
      kind: 'fargate',
      unknown: 'no Fargate ARM vCPU-hour price for us-east-1 in the Price List',
    });
    const ec2 = fargateCost(
      { name: 'gpu', cpuUnits: 0, memoryMiB: 0, tasks: 1, notFargate: 'runs on an EC2 capacity provider' },
      prices,
    );
    expect(ec2).toMatchObject({ unknown: 'runs on an EC2 capacity provider' });
    const lam = lambdaCost(
      { name: 'fn', memoryMiB: 128, invocations: 1, durationMsSum: 1, periodHours: 1 },
      { region: 'eu-west-1' },
    );
    expect(lam).toMatchObject({ unknown: 'no Lambda GB-second price for eu-west-1 in the Price List' });
    const items: CostItem[] = [
      fargateCost({ name: 'api', cpuUnits: 512, memoryMiB: 1024, tasks: 2 }, prices),
      arm,
    ];
    expect(costTotal(items)).toEqual({ usdPerHour: expect.closeTo(0.04937, 10), partial: true });
    expect(costLine([arm], undefined, 0)).toBe(
      'AWS ≈ unknown: no Fargate ARM vCPU-hour price for us-east-1 in the Price List',
    );
  });
  it('the status line: per hour, since the deploy, and what it cost since', () => {
    const since = new Date(2026, 11, 7, 9, 12).getTime();
    const items: CostItem[] = [{ name: 'api', kind: 'fargate', usdPerHour: 0.42, basis: '' }];
    // 4 h 31 min at $0.42/h = $1.897.
    expect(costLine(items, since, since + 271 * 60_000)).toBe('AWS ≈ $0.42/h since 09:12 ($1.90)');
    expect(costLine(items, undefined, since)).toBe('AWS ≈ $0.42/h');
  });
  it('the budget: per hour or per day', () => {
    expect(budgetExceeded(0.42, { perHour: 0.5 })).toBeUndefined();
    expect(budgetExceeded(0.42, { perHour: 0.4 })).toBe(
      'AWS ≈ $0.42/h is over the budget of $0.40/h (notify.budget)',
    );
    expect(budgetExceeded(0.42, { perDay: 10 })).toBe(
      'AWS ≈ $10.08/day is over the budget of $10.00/day (notify.budget)',
    );
  });
});
