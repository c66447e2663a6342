/**
 * The team view's parts: the caller identity asked once per process over the real STS client against a local
 * HTTP server (its refusal recorded, not thrown), failure keys that list newest first, the view kept between
 * reads (never read per state update), and a teammate's newer deploy moving what drift and phase 6 compare to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerIdentity } from '../../main/core/team/identity';
import { checkRunRecord, newestFirst, teamKeys } from '../../main/core/team/evidence';
import { newerDeployed, teamDeployment } from '../../main/core/team/team-deployment';
import { TeamWatch } from '../../main/core/team/team-watch';
import { driftOf } from '../../main/core/deployments/drift';
import { phase6Status } from '../../main/core/deployments';
import { teamViewLines } from '../../main/core/format';
import type { TeamView } from '../../main/core/state';

let server: http.Server;
let url = '';
const hits: string[] = [];
const ARN = 'arn:aws:sts::123456789012:assumed-role/Dev/ana';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const key = /Credential=(\w+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      hits.push(key);
      if (key === 'denied') {
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${ARN}</Arn><UserId>X</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

/** A client whose access key says how the server answers (`ok` or `denied`). */
const sts = (accessKeyId: string) => () =>
  new STSClient({
    endpoint: url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey: 's' },
  });

describe('the AWS caller identity', () => {
  it('is asked once per process per set-up: the ARN, or why not (AccessDenied naming sts:GetCallerIdentity)', async () => {
    const before = hits.length;
    const [a, b] = await Promise.all([callerIdentity('ok', sts('ok')), callerIdentity('ok', sts('ok'))]);
    expect(await callerIdentity('ok', sts('ok'))).toEqual({ arn: ARN });
    expect([a, b]).toEqual([{ arn: ARN }, { arn: ARN }]);
    const denied = await callerIdentity('denied', sts('denied'));
    expect(denied).toEqual({ error: 'AccessDenied for sts:GetCallerIdentity' });
    expect(await callerIdentity('denied', sts('denied'))).toBe(denied);
    expect(hits.slice(before)).toEqual(['ok', 'denied']);
  });
});

describe('a run record read back', () => {
  it('with an identity that is not a short string is skipped, never shown', () => {
    const run = {
      ...{ version: 1, kind: 'offload-run', fingerprint: 'f'.repeat(64), runId: 'r', workflow: 'full' },
      ...{ status: 'failed', startedAt: '2026-12-07T10:00:00Z', who: 'Bo', where: 'x', environment: 'dev' },
      ...{ phases: [], deployed: [] },
    };
    expect(checkRunRecord(JSON.stringify({ ...run, awsIdentity: ARN }))).toHaveProperty('run');
    expect(checkRunRecord(JSON.stringify({ ...run, awsIdentity: { arn: ARN } }))).toEqual({
      malformed: 'awsIdentity is not a short string',
    });
  });
  it('whose phases, deployed items, commit or times are not the shape Offload writes is skipped, never shown', () => {
    const run = {
      ...{ version: 1, kind: 'offload-run', fingerprint: 'f'.repeat(64), runId: 'r', workflow: 'full' },
      ...{ status: 'failed', startedAt: '2026-12-07T10:00:00Z', who: 'Bo', where: 'x', environment: 'dev' },
      ...{
        phases: [{ id: 'local', status: 'passed', durationMs: 5 }],
        deployed: [{ step: 's', kind: 'k', summary: 'api' }],
      },
    };
    expect(checkRunRecord(JSON.stringify(run))).toHaveProperty('run');
    // One such record in the bucket (anyone with write access can put one) made the whole view "unreachable".
    for (const bad of [
      { phases: [null] },
      { phases: [{ id: { x: 1 }, status: 'passed' }] },
      { deployed: [null] },
      { deployed: [{ summary: 7 }] },
      { commit: 123 },
      { finishedAt: ['x'] },
    ])
      expect(checkRunRecord(JSON.stringify({ ...run, ...bad })), JSON.stringify(bad)).toHaveProperty(
        'malformed',
      );
  });
});

describe('failure keys', () => {
  it('sort newest first, so one capped listing reads the recent ones', () => {
    const cfg = { prefix: 'o' };
    const keys = [1_000, 3_000_000, 2_000].map((t) => teamKeys.failure(cfg, 'shop', t, `r${t}`));
    expect([...keys].sort()).toEqual([keys[1], keys[2], keys[0]]);
    expect(keys[0]).toBe(`o/failures/shop/${newestFirst(1_000)}_r1000.json`);
    expect(keys[0]?.startsWith(teamKeys.failures(cfg, 'shop'))).toBe(true);
    expect(newestFirst(1_765_000_000_000)).toMatch(/^\d{13}$/);
  });
});

const FP = 'c'.repeat(64);
const view = (over: Partial<TeamView['lastDeploys'][number]> = {}): TeamView => ({
  evidence: 's3://b/o',
  environment: 'dev',
  lock: null,
  lastDeploys: [
    {
      environment: 'dev',
      who: 'Bo',
      where: 'https://ci/1',
      at: '2026-12-07T10:00:00.000Z',
      status: 'passed',
      workflow: 'full',
      runId: 'r-team',
      commit: 'abcdef123456',
      deployed: ['api → api:7'],
      fingerprint: FP,
      deployPassed: true,
      ...over,
    },
  ],
  failedRuns: [],
  skipped: [],
});

describe("a teammate's deploy", () => {
  it('moves what drift compares to when newer than this copy’s, told whose; an older one does not', () => {
    const team = teamDeployment(view(), 'dev');
    const local = { fingerprint: 'd'.repeat(64), runId: 'r-mine', at: '2026-12-07T09:00:00.000Z' };
    const deployed = newerDeployed(local, team);
    expect(deployed).toMatchObject({ runId: 'r-team', fingerprint: FP, by: 'Bo at https://ci/1' });
    const drift = driftOf(deployed, 'e'.repeat(64), () => ['src/a.ts']);
    expect(drift).toMatchObject({ deployedRunId: 'r-team', deployedBy: 'Bo at https://ci/1' });
    expect(newerDeployed({ ...local, at: '2026-12-07T11:00:00.000Z' }, team)?.runId).toBe('r-mine');
    expect(newerDeployed(local, teamDeployment(view({ deployPassed: false }), 'dev'))).toBe(local);
    expect(teamDeployment(view(), 'prod')).toBeUndefined();
  });

  it('is the deployment phase 6 watches, named with whose it is', () => {
    const p = phase6Status(teamDeployment(view(), 'dev'), [], {
      now: Date.parse('2026-12-07T10:01:00.000Z'),
      quietMs: 600_000,
      cloudwatch: { configured: true },
    });
    expect(p.deployment?.summary).toBe('abcdef123456 · api → api:7 (deployed by Bo at https://ci/1)');
  });
});

describe('the kept team view', () => {
  it('is read once per interval whatever asks, a read in flight shared; a refresh reads now', async () => {
    let reads = 0;
    let now = 0;
    let changed = 0;
    const w = new TeamWatch(
      async () => {
        reads++;
        return view();
      },
      { changed: () => changed++, now: () => now },
    );
    await Promise.all([w.fresh(), w.fresh(), w.fresh()]);
    for (let i = 0; i < 50; i++) await w.fresh(60_000);
    expect(reads).toBe(1);
    now += 60_000;
    await w.fresh(60_000);
    await w.refresh();
    expect([reads, changed]).toEqual([3, 3]);
    expect(teamViewLines(w.current()).map((l) => l.text)).toEqual([
      'dev: deployed by Bo at https://ci/1, 2026-12-07 10:00, commit abcdef1',
    ]);
    w.dispose();
  });

  it('while watching, reads every interval unless monitoring is paused; resuming reads at once', async () => {
    let reads = 0;
    const pending: (() => void)[] = [];
    const timers = {
      setTimeout: (fn: () => void) => pending.push(fn),
      clearTimeout: () => undefined,
    };
    const w = new TeamWatch(
      async () => {
        reads++;
        return view();
      },
      { changed: () => undefined, timers },
    );
    w.setPaused(true);
    w.start();
    await w.refresh();
    expect([reads, pending.length]).toEqual([1, 0]);
    w.setPaused(false);
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(2);
    await new Promise((r) => setImmediate(r));
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(3);
    w.dispose();
  });
});
