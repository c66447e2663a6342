/**
 * A transient alarm, acknowledged: `offload watch` prints every phase-6 transition (watching, stable, unstable,
 * watching again, stable again); `offload errors --ack` in another terminal is refused while the alarm is in
 * ALARM and, once it is resolved, restarts the quiet period without a redeploy — recorded in the journal.
 * Real processes, the real SDK against the local AWS endpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { trustProject } from '../helpers/trust';

describe('acknowledging phase 6 after a transient alarm', () => {
  let fake: FakeAws;
  let dir: string;
  const data = tempDataDir();
  const env = () => ({ ...TEST_ENV, OFFLOAD_HOME: data });

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.setAlarm('api-5xx', 'OK');
    dir = makeProject(`name: ack
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 2s }
notify:
  desktop: false
  interval: 1s
  quiet-period: 3s
  alarms: { names: [api-5xx] }
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
  aws-test: { steps: [{ name: E2E, run: "true" }] }
`);
    expect(trustProject(dir, data)).toBe(true);
  }, 30_000);
  afterAll(async () => {
    await fake?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(data, { recursive: true, force: true });
  });

  it('the watch shows each transition; the ack is refused while in ALARM, then restarts the quiet period', async () => {
    expect((await runCli(['run', 'full'], { cwd: dir, env: env() })).code).toBe(0);
    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env: env() });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const seen = (re: RegExp, what: string) =>
      waitFor(() => re.test(out), 20_000, what).catch((e: Error) => {
        throw new Error(`${e.message}; output:\n${out}`);
      });
    try {
      await seen(/\[phase 6\] ✅ stable since/, 'stable after the quiet period');
      fake.state.setAlarm('api-5xx', 'ALARM');
      await seen(/\[phase 6\] ❌ unstable since \S+: CloudWatch alarm: api-5xx/, 'unstable on the alarm');

      const early = await runCli(['errors', '--ack'], { cwd: dir, env: env() });
      expect(early.code).toBe(1);
      expect(early.stderr).toContain(
        'not acknowledged: alarm api-5xx still in ALARM: acknowledge once the cause is resolved',
      );

      fake.state.setAlarm('api-5xx', 'OK');
      await seen(/Resolved: api-5xx/, 'the alarm resolved');
      // Resolved, yet still unstable: only the user's word (or a redeploy) restarts the quiet period.
      expect(out.slice(out.lastIndexOf('[phase 6]'))).toMatch(/^\[phase 6\] ❌ unstable/);
      const ack = await runCli(['errors', '--ack'], { cwd: dir, env: env() });
      expect(ack.stderr).toBe('');
      expect(ack.code).toBe(0);
      expect(ack.stdout).toMatch(/^acknowledged: phase 6 watches run \S+ again; quiet until \S+\n$/);

      await seen(/\[phase 6\] ⏳ watching until \S+ \(quiet period\) \(acknowledged /, 'watching again');
      await seen(/\[phase 6\] ✅ stable since \S+ \(acknowledged /, 'stable again without a redeploy');
      const transitions = out.split('\n').filter((l) => l.startsWith('[phase 6]'));
      const verdicts = transitions.map((l) => /\[phase 6\] (\S+ \S+)/.exec(l)![1]);
      // The first quiet period may have ended during `run full`, before the watch started.
      expect(verdicts[0] === '⏳ watching' ? verdicts.slice(1) : verdicts).toEqual([
        '✅ stable',
        '❌ unstable',
        '⏳ watching',
        '✅ stable',
      ]);
      const status = await runCli(['status', '--json'], { cwd: dir, env: env() });
      expect(JSON.parse(status.stdout).phase6).toMatchObject({
        status: 'stable',
        acknowledgedAt: expect.any(String),
      });
      expect((await runCli(['history', '--json'], { cwd: dir, env: env() })).stdout).not.toContain(
        'services',
      );

      // A redeploy from another terminal: the running watch follows the new deployment to stable.
      const before = out.length;
      expect((await runCli(['run', 'services'], { cwd: dir, env: env() })).code).toBe(0);
      const lastRun = JSON.parse((await runCli(['history', '--json'], { cwd: dir, env: env() })).stdout)[0]
        .runId as string;
      await waitFor(
        () => out.slice(before).includes(lastRun),
        20_000,
        'the watch names the new deployment',
      ).catch((e: Error) => {
        throw new Error(`${e.message}; output:\n${out.slice(before)}`);
      });
      await seen(new RegExp(`\\[phase 6\\] ✅ stable since \\S+ — .*${lastRun}`), 'stable on the redeploy');
    } finally {
      child.kill('SIGINT');
      await collect(child, 10_000);
    }
    const journal = fs
      .readdirSync(path.join(data), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('journal.jsonl'))
      .map((f) => fs.readFileSync(path.join(data, f), 'utf8'))
      .join('');
    expect(journal).toMatch(
      /"kind":"phase6-ack","data":\{"runId":"[^"]+","deployment":"run [^"]+","by":"cli","firstError":"alarm api-5xx: Threshold crossed: ALARM"/,
    );
  }, 90_000);
});
