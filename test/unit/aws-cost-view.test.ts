/**
 * The cost view's decisions as pure functions: when AWS is asked again, the summary a snapshot shows (rate,
 * cost since the deploy, unknowns said, never guessed), the budget edge, and how the CLI and window word it.
 */
import { describe, expect, it } from 'vitest';
import {
  budgetEdge,
  COST_REFRESH_MS,
  costRefreshDue,
  costScopeOf,
  costSummaryOf,
  type CostRecord,
} from '../../main/core/aws/cost-view';
import { parseConfig } from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import type { DeploymentIdentity } from '../../main/core/deployments';
import { costDetails, costReliefLine } from '../../main/core/format';
import type { ReliefSummary } from '../../main/core/vocabulary';

const T0 = Date.parse('2026-12-07T09:12:00Z');
const dep = (runId: string): DeploymentIdentity => ({
  runId,
  workflow: 'services',
  at: new Date(T0).toISOString(),
  fingerprint: 'f',
  items: [],
});
const rec = (over: Partial<CostRecord> = {}): CostRecord => ({
  version: 1,
  deployment: { runId: 'r1', at: new Date(T0).toISOString() },
  checkedAt: new Date(T0).toISOString(),
  items: [{ name: 'dev/api', kind: 'fargate', usdPerHour: 0.42, basis: '1 task × (1 vCPU, 2 GB)' }],
  prices: { source: 'price-list', fetchedAt: new Date(T0).toISOString() },
  ...over,
});

describe('costRefreshDue', () => {
  it('asks AWS with no record, after another deploy, and once 15 minutes old; not before', () => {
    expect(costRefreshDue(undefined, dep('r1'), T0)).toBe(true);
    expect(costRefreshDue(rec(), dep('r2'), T0 + 1)).toBe(true);
    expect(costRefreshDue(rec(), dep('r1'), T0 + COST_REFRESH_MS - 1)).toBe(false);
    expect(costRefreshDue(rec(), dep('r1'), T0 + COST_REFRESH_MS)).toBe(true);
    // A clock set back is not trusted to keep a record from the future.
    expect(costRefreshDue(rec(), dep('r1'), T0 - 60_000)).toBe(true);
  });
});

describe('costSummaryOf', () => {
  it('the rate, the cost since the deploy at now, and the budget verdict', () => {
    const s = costSummaryOf(rec(), T0 + (4 * 3_600_000) / 0.42 / 2, { perHour: 0.4 });
    expect(s.usdPerHour).toBe(0.42);
    expect(s.sinceDeployUsd).toBeCloseTo(2, 10);
    expect(s.line).toMatch(/^AWS ≈ \$0\.42\/h since \d\d:\d\d \(\$2\.00\)$/);
    expect(s.budget).toEqual({
      perHour: 0.4,
      exceeded: 'AWS ≈ $0.42/h is over the budget of $0.40/h (notify.budget)',
    });
    expect(costSummaryOf(rec(), T0, { perDay: 20 }).budget).toEqual({ perDay: 20 });
  });

  it('unknown is said with why, never counted as zero', () => {
    const none = costSummaryOf(
      rec({ items: [], unknown: 'nothing to estimate: no ECS service in gate.services' }),
      T0,
    );
    expect(none).toMatchObject({
      usdPerHour: null,
      partial: false,
      line: 'AWS ≈ unknown: nothing to estimate: no ECS service in gate.services',
    });
    expect(none.sinceDeployUsd).toBeUndefined();
    const part = costSummaryOf(
      rec({
        items: [
          ...rec().items,
          { name: 'dev/gpu', kind: 'fargate', unknown: 'runs on capacity provider gpu: not estimated yet' },
        ],
      }),
      T0 + 3_600_000,
      { perHour: 0.1 },
    );
    expect(part).toMatchObject({ usdPerHour: 0.42, partial: true });
    expect(part.line).toMatch(/^AWS ≈ \$0\.42\/h \+ unknown since/);
  });
});

describe('budgetEdge', () => {
  it('one notice when it goes over, none while over, again after it dropped below', () => {
    const a = budgetEdge(false, 'over');
    expect(a).toEqual({
      over: true,
      notice: { level: 'warning', title: 'AWS over budget', body: 'over', target: { view: 'aws' } },
    });
    expect(budgetEdge(true, 'over still')).toEqual({ over: true });
    expect(budgetEdge(true, undefined)).toEqual({ over: false });
    expect(budgetEdge(false, 'over again').notice?.body).toBe('over again');
  });
});

describe('wording', () => {
  const relief: ReliefSummary = {
    last: {
      at: '2026-12-07T09:12:00Z',
      titles: ['Ollama'],
      ramBytes: 9.2 * 2 ** 30,
      vramBytes: 6 * 2 ** 30,
      text: '',
    },
    today: { servedMs: 0, ramBytes: 0, text: '' },
    week: { servedMs: 0, ramBytes: 0, text: '' },
  };
  it('the cost line with what offloading freed', () => {
    const s = costSummaryOf(rec(), T0);
    expect(costReliefLine(s, relief)).toBe(`${s.line} · freed 9.2 GiB RAM, 6.0 GiB VRAM`);
    expect(costReliefLine(s, null)).toBe(s.line);
    expect(costReliefLine(null, relief)).toBeUndefined();
  });
  it('details: unknowns with why, usage kept offline, prices from the cache with their date', () => {
    const s = costSummaryOf(
      rec({
        items: [{ name: 'dev/gpu', kind: 'fargate', unknown: 'no price' }],
        stale: 'AWS not reachable: ECONNREFUSED; usage as of 2026-12-07T09:12:00.000Z',
        prices: {
          source: 'stale-cache',
          fetchedAt: '2026-12-05T08:00:00.000Z',
          error: 'Price List not reachable: x',
        },
      }),
      T0,
    );
    expect(costDetails(s)).toEqual([
      'dev/gpu: unknown — no price',
      'usage kept: AWS not reachable: ECONNREFUSED; usage as of 2026-12-07T09:12:00.000Z',
      'prices from the cache of 2026-12-05 08:00 UTC (Price List not reachable: x)',
    ]);
  });

  it('prices what the deploy steps name besides the gate: ecs-deploy services, lambda-deploy functions, eks-rollout clusters', () => {
    const text = `name: scope
aws: { region: eu-west-1 }
gate: { services: [{ cluster: dev, service: api }] }
phases:
  local: { steps: [{ name: t, run: "true" }] }
  aws-deploy:
    steps:
      - ecs-deploy: { cluster: dev, service: api, image: 'x:1' }
      - ecs-deploy: { cluster: gpu, service: llm, image: 'x:2' }
      - ecs-deploy: { cluster: dev, service: '\${{ env.SVC }}', image: 'x:3' }
      - lambda-deploy: { function: embed, zip: a.zip }
      - eks-rollout: { deployment: web, image: 'repo/web:2', eks: { cluster: demo, region: eu-west-1 } }
  aws-test: { steps: [{ name: e2e, run: "true" }] }
`;
    const config = parseConfig(text, '/p/offload.yml', { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
    expect(costScopeOf(config)).toEqual({
      region: 'eu-west-1',
      // The gate's service once; a service still written as \${{ }} is not guessed.
      services: [
        { cluster: 'dev', service: 'api' },
        { cluster: 'gpu', service: 'llm' },
      ],
      functions: ['embed'],
      eksClusters: [{ cluster: 'demo', region: 'eu-west-1' }],
      budget: undefined,
    });
  });
});
