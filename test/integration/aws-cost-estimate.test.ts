/**
 * The whole cost estimate (estimateDeployCost) through the real SDK clients over HTTP against the project's
 * AWS endpoint fixture: a Fargate service, two services on an EC2 capacity provider with GPU instances, an
 * EKS cluster's fee and node groups, a Lambda function's CloudWatch sums since the deploy, all priced from the
 * Price List's answers (EC2 asked with the Linux on-demand filters) and checked by hand; then what is unknown
 * says why: an action denied (named), an instance type not in the Price List, the Price List offline with no
 * cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../main/core/aws/clients';
import { estimateDeployCost } from '../../main/core/aws/cost-estimate';
import type { CostTargets } from '../../main/core/aws/cost-targets';
import { costTotal } from '../../main/core/aws/cost';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients } from '../fixtures/aws-endpoint/helpers';

let aws: FakeAws;
let clients: AwsClients;
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cost-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  aws = await startFakeAws();
  clients = testClients(aws.url, { maxAttempts: 1 });
});
afterAll(async () => {
  clients.destroy();
  await aws.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Everything the deploy put there, scripted on the endpoint. */
function script(s: FakeAws['state'], now: number) {
  s.addService({ cluster: 'dev', service: 'api', desired: 2 });
  const cp = [{ capacityProvider: 'gpu-cp', weight: 1, base: 0 }];
  s.addService({ cluster: 'gpu', service: 'infer', desired: 1 }).capacityProviderStrategy = cp;
  s.addService({ cluster: 'gpu', service: 'embed', desired: 1 }).capacityProviderStrategy = cp;
  s.containerInstances.add('gpu', 'g5.xlarge', { capacityProvider: 'gpu-cp' });
  s.containerInstances.add('gpu', 'g5.xlarge', { capacityProvider: 'gpu-cp' });
  s.containerInstances.add('gpu', 'm5.large', { capacityProvider: 'sys-cp' });
  s.eks.addCluster('ml', [
    { name: 'gpu', instanceTypes: ['g6.xlarge'], desiredSize: 3 },
    { name: 'sys', instanceTypes: ['t3.medium'], desiredSize: 2 },
    { name: 'mixed', instanceTypes: ['m5.large', 'm5a.large'], desiredSize: 1 },
  ]);
  s.lambda.addFunction('resize').memory = 1024;
  const dims = { FunctionName: 'resize' };
  s.metrics.put('AWS/Lambda', 'Invocations', dims, [20_000, 16_000], now - 30 * 60_000);
  s.metrics.put('AWS/Lambda', 'Duration', dims, [4_000_000, 3_200_000], now - 30 * 60_000);
  // Before the deploy: not counted.
  s.metrics.put('AWS/Lambda', 'Invocations', dims, [999_999], now - 3 * 3_600_000);
}

const targets: CostTargets = {
  services: [
    { cluster: 'dev', service: 'api' },
    { cluster: 'gpu', service: 'infer' },
    { cluster: 'gpu', service: 'embed' },
  ],
  functions: ['resize'],
  eksClusters: [{ cluster: 'ml' }],
};

describe('estimateDeployCost against the AWS endpoint fixture', () => {
  it('Fargate + EC2 (GPU) + EKS + Lambda, priced by hand; prices cached so a second estimate asks no Price List', async () => {
    const now = Date.now();
    script(aws.state, now);
    const dataDir = tmp();
    const est = await estimateDeployCost({
      clients,
      region: 'us-east-1',
      dataDir,
      now,
      since: now - 2 * 3_600_000,
      targets,
    });
    const rows = est.items.map((i) => [i.name, i.kind, 'usdPerHour' in i ? i.usdPerHour : i.unknown]);
    expect(rows).toEqual([
      // 2 × (0.25 × 0.04048 + 0.5 × 0.004445)
      ['dev/api', 'fargate', expect.closeTo(0.024685, 10)],
      // 2 × g5.xlarge of gpu-cp (the m5.large of sys-cp is not theirs), counted once for both services.
      ['gpu/infer,embed (EC2)', 'ec2', expect.closeTo(2.012, 10)],
      ['ml (cluster fee)', 'eks', 0.1],
      ['ml/gpu', 'eks', expect.closeTo(3 * 0.8048, 10)],
      ['ml/sys', 'eks', expect.closeTo(2 * 0.0416, 10)],
      ['ml/mixed', 'eks', 'several instance types (m5.large, m5a.large): which of them run is not known'],
      // (7200 GB-s × 0.0000166667 + 36000 × 0.0000002) / 2 h
      ['resize', 'lambda', expect.closeTo(0.06360012, 10)],
    ]);
    expect(est.items[1]).toMatchObject({
      basis:
        '2 × g5.xlarge (whole instances of capacity provider gpu-cp of cluster gpu; other tasks there share them)',
    });
    expect(costTotal(est.items)).toEqual({
      usdPerHour: expect.closeTo(0.024685 + 2.012 + 0.1 + 2.4144 + 0.0832 + 0.06360012, 9),
      partial: true,
    });
    expect(est.prices).toMatchObject({ source: 'price-list' });
    // EC2 was asked per type with the filters that pick the Linux on-demand price.
    const ec2Asks = aws.state.requests
      .filter(
        (r) => r.service === 'pricing' && (r.body as { ServiceCode: string }).ServiceCode === 'AmazonEC2',
      )
      .map((r) => (r.body as { Filters: { Field: string; Value: string }[] }).Filters);
    expect(ec2Asks.map((f) => f.find((x) => x.Field === 'instanceType')?.Value).sort()).toEqual([
      'g5.xlarge',
      'g6.xlarge',
      't3.medium',
    ]);
    expect(ec2Asks[0]).toEqual(
      expect.arrayContaining([
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
        { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
        { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
        { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
        { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
      ]),
    );
    expect(clients.calls.get('EKS.ListNodegroups')).toBe(2); // paged
    const asked = clients.calls.get('Pricing.GetProducts');
    const again = await estimateDeployCost({
      clients,
      region: 'us-east-1',
      dataDir,
      now,
      since: now - 2 * 3_600_000,
      targets,
    });
    expect(clients.calls.get('Pricing.GetProducts')).toBe(asked);
    expect(again.prices).toMatchObject({ source: 'cache' });
    expect(costTotal(again.items).usdPerHour).toBe(costTotal(est.items).usdPerHour);
  });

  it('unknown with why: denied actions named, a type not in the Price List, the Price List offline with no cache', async () => {
    const fresh = await startFakeAws();
    const c = testClients(fresh.url, { maxAttempts: 1 });
    const down = testClients('http://127.0.0.1:9', { maxAttempts: 1 });
    try {
      const now = Date.now();
      const s = fresh.state;
      s.addService({ cluster: 'gpu', service: 'infer', desired: 1 }).launchType = 'EC2';
      s.addService({ cluster: 'big', service: 'train', desired: 1 }).launchType = 'EC2';
      s.containerInstances.add('big', 'p5.48xlarge');
      s.eks.addCluster('ml', [{ name: 'gpu', instanceTypes: ['g6.xlarge'], desiredSize: 1 }]);
      s.lambda.addFunction('resize');
      s.faults.push({ op: 'ListContainerInstances', kind: 'denied', times: 1 });
      s.faults.push({ op: 'DescribeNodegroup', kind: 'denied' });
      s.faults.push({ op: 'GetMetricData', kind: 'denied' });
      const est = await estimateDeployCost({
        clients: c,
        region: 'us-east-1',
        dataDir: tmp(),
        now,
        since: now - 3_600_000,
        targets: {
          services: [
            { cluster: 'gpu', service: 'infer' },
            { cluster: 'big', service: 'train' },
            { cluster: 'gpu', service: 'nope' },
          ],
          functions: ['resize', 'gone'],
          eksClusters: [{ cluster: 'ml' }, { cluster: 'eu', region: 'eu-west-1' }],
        },
      });
      const why = Object.fromEntries(
        est.items.map((i) => [i.name, 'unknown' in i ? i.unknown : i.usdPerHour]),
      );
      expect(why['gpu/infer (EC2)']).toMatch(
        /^ecs:ListContainerInstances denied: .*not authorized to perform: ecs:ListContainerInstances/,
      );
      expect(why['big/train (EC2)']).toBe(
        'no Linux on-demand price for p5.48xlarge in us-east-1 in the Price List',
      );
      expect(why['ml (EKS)']).toMatch(/^eks:DescribeNodegroup denied: .*eks:DescribeNodegroup/);
      expect(why['gpu/nope']).toBe('ecs:DescribeServices found no service nope in cluster gpu (MISSING)');
      expect(why['eu (EKS)']).toBe('in eu-west-1, not us-east-1: not estimated');
      expect(why.resize).toMatch(/^cloudwatch:GetMetricData denied: .*cloudwatch:GetMetricData/);
      expect(why.gone).toMatch(/^lambda:GetFunctionConfiguration failed: /);
      expect(costTotal(est.items)).toEqual({ usdPerHour: 0, partial: true });

      // The Price List offline, nothing cached: each price unknown with that reason.
      s.faults.length = 0;
      s.containerInstances.add('gpu', 'g5.xlarge');
      const off = await estimateDeployCost({
        clients: { ...c, pricing: down.pricing, eks: c.eks },
        region: 'us-east-1',
        dataDir: tmp(),
        now,
        targets: {
          services: [{ cluster: 'gpu', service: 'infer' }],
          functions: [],
          eksClusters: [{ cluster: 'ml' }],
        },
      });
      expect(off.prices).toMatchObject({
        source: 'none',
        error: expect.stringMatching(/^Price List not reachable: /),
      });
      expect(off.items.map((i) => ('unknown' in i ? i.unknown : i.usdPerHour))).toEqual([
        expect.stringMatching(/^price of g5\.xlarge unknown: Price List not reachable: .*, and none cached$/),
        expect.stringMatching(
          /^no EKS cluster-hour price for us-east-1: Price List not reachable: .*, and none cached$/,
        ),
        expect.stringMatching(/^price of g6\.xlarge unknown: Price List not reachable: .*, and none cached$/),
      ]);
    } finally {
      c.destroy();
      down.destroy();
      await fresh.close();
    }
  });

  it('the Price List denied: the action named, nothing cached, no price guessed', async () => {
    const fresh = await startFakeAws();
    const c = testClients(fresh.url, { maxAttempts: 1 });
    try {
      fresh.state.eks.addCluster('ml', []);
      fresh.state.faults.push({ op: 'GetProducts', kind: 'denied' });
      const est = await estimateDeployCost({
        clients: c,
        region: 'us-east-1',
        dataDir: tmp(),
        now: Date.now(),
        targets: { services: [], functions: [], eksClusters: [{ cluster: 'ml' }] },
      });
      expect(est.prices).toMatchObject({
        source: 'none',
        error: expect.stringMatching(
          /^pricing:GetProducts denied: .*not authorized to perform: pricing:GetProducts/,
        ),
      });
      expect(est.items).toEqual([
        {
          name: 'ml (cluster fee)',
          kind: 'eks',
          unknown: expect.stringMatching(
            /^no EKS cluster-hour price for us-east-1: pricing:GetProducts denied: .*, and none cached$/,
          ),
        },
      ]);
    } finally {
      c.destroy();
      await fresh.close();
    }
  });
});
