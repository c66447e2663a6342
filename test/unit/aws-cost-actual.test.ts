/** The actual cost's pure parts: Offload's tags beside the user's, the period, reading Cost Explorer's answer, its refusals in words, the CLI's text. */
import { describe, expect, test } from 'vitest';
import {
  costExplorerProblem,
  costPeriod,
  readCostAndUsage,
  type ActualCost,
} from '../../main/core/aws/cost-actual';
import { offloadTags, refreshOffloadTags, withOffloadTags } from '../../main/core/aws/offload-tags';
import { formatActualCost } from '../../main/cli/commands/cost';
import type { OffloadConfig } from '../../main/core/vocabulary';

describe("Offload's tags", () => {
  test('project from the config and the run id; no config, no project tag', () => {
    const config = { name: 'chatbot' } as OffloadConfig;
    expect(offloadTags({ runId: 'r1', services: { config } })).toEqual({
      'offload:project': 'chatbot',
      'offload:deployment': 'r1',
    });
    expect(offloadTags({ runId: 'r1', services: {} })).toEqual({ 'offload:deployment': 'r1' });
  });

  test("the user's keys come first and win", () => {
    expect(
      Object.entries(
        withOffloadTags(
          { owner: 'ml', 'offload:project': 'mine' },
          { 'offload:project': 'p', 'offload:deployment': 'r' },
        ),
      ),
    ).toEqual([
      ['owner', 'ml'],
      ['offload:project', 'mine'],
      ['offload:deployment', 'r'],
    ]);
  });

  test("a copied revision keeps its tags; Offload's keys from an earlier deploy are replaced", () => {
    expect(
      refreshOffloadTags(
        [{ key: 'team', value: 'ml' }, { key: 'offload:deployment', value: 'old' }, { key: 'broken' }],
        { 'offload:deployment': 'new' },
      ),
    ).toEqual([
      { key: 'team', value: 'ml' },
      { key: 'offload:deployment', value: 'new' },
    ]);
  });
});

describe('reading Cost Explorer', () => {
  test('the last N whole UTC days before today, across a month end', () => {
    expect(costPeriod(Date.parse('2026-12-02T23:59:00Z'), 3)).toEqual({
      start: '2026-11-29',
      end: '2026-12-02',
    });
    expect(costPeriod(Date.parse('2026-12-02T00:00:00Z'), 1)).toEqual({
      start: '2026-12-01',
      end: '2026-12-02',
    });
  });

  test('an ungrouped answer reads its Total; amounts that are not numbers count as 0', () => {
    expect(
      readCostAndUsage([
        {
          TimePeriod: { Start: '2026-12-01', End: '2026-12-02' },
          Total: { UnblendedCost: { Amount: '3.456' } },
        },
        {
          TimePeriod: { Start: '2026-12-02', End: '2026-12-03' },
          Total: { UnblendedCost: { Amount: 'n/a' } },
          Estimated: true,
        },
      ]),
    ).toEqual({
      daily: [
        { date: '2026-12-01', usd: 3.46, estimated: false },
        { date: '2026-12-02', usd: 0, estimated: true },
      ],
      services: [],
      total: 3.46,
    });
  });

  test('an error that is not a refusal is named with its kind', () => {
    expect(costExplorerProblem(Object.assign(new Error('something odd'), { name: 'WeirdError' }))).toBe(
      'Cost Explorer could not be asked (WeirdError): something odd',
    );
  });

  test('no credentials, the network: the AWS explanation with its fix', () => {
    const noCreds = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(costExplorerProblem(noCreds)).toMatch(
      /^Cost Explorer GetCostAndUsage failed: no AWS credentials found\. Fix: run `aws configure` or `aws sso login`/,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(costExplorerProblem(refused)).toMatch(/^Cost Explorer GetCostAndUsage failed: /);
    expect(costExplorerProblem(refused)).not.toContain('could not be asked');
  });
});

describe('offload cost text', () => {
  const base: ActualCost = {
    label: 'actual, delayed up to 24 h (Cost Explorer)',
    project: 'chatbot',
    tag: { key: 'offload:project', value: 'chatbot' },
    days: 2,
    start: '2026-12-01',
    end: '2026-12-03',
    daily: [
      { date: '2026-12-01', usd: 1.2, estimated: false },
      { date: '2026-12-02', usd: 0.95, estimated: false },
    ],
    services: [{ service: 'AWS Lambda', usd: 2.15 }],
    total: 2.15,
    fetchedAt: '2026-12-03T09:00:00.000Z',
    source: 'cache',
  };

  test('days, total, services and where the figures came from', () => {
    expect(formatActualCost(base)).toBe(
      'Actual (Cost Explorer, delayed ≤24 h) for offload:project=chatbot: Dec 1 $1.20 · Dec 2 $0.95 … total $2.15\n' +
        'by service: AWS Lambda $2.15\n' +
        '(asked at 2026-12-03T09:00:00.000Z; kept an hour: each Cost Explorer request costs $0.01)\n',
    );
  });

  test('a problem is one line', () => {
    expect(
      formatActualCost({
        ...base,
        daily: [],
        services: [],
        source: 'none',
        problem: 'AccessDenied on ce:GetCostAndUsage: no',
      }),
    ).toBe(
      'Actual (Cost Explorer, delayed ≤24 h) for offload:project=chatbot: not available — AccessDenied on ce:GetCostAndUsage: no\n',
    );
  });
});
