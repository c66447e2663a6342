// A run refuses up front, before any phase runs, when a gate cannot be satisfied by the run itself (real CLI,
// real step processes): aws-deploy without aws-prepare ever passed, shutdown without AWS testing after the
// latest deployment. Gates the run satisfies as it goes (local before AWS phases) still pass.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const YAML = `name: upfront
phases:
  local:
    steps:
      - name: Build
        run: mkdir -p build && touch "build/local-$OFFLOAD_RUN_ID"
  aws-prepare:
    steps:
      - name: Prepare
        run: mkdir -p build && touch build/prepare
  aws-deploy:
    steps:
      - name: Deploy
        run: mkdir -p build && touch "build/deploy-$OFFLOAD_RUN_ID"
  aws-test:
    steps:
      - name: Test on AWS
        run: test ! -f build/fail-aws-test && mkdir -p build && touch "build/aws-test-$OFFLOAD_RUN_ID"
  shutdown:
    steps:
      - name: Shut down
        run: mkdir -p build && touch "build/shutdown-$OFFLOAD_RUN_ID"
workflows:
  shutdown: [local, shutdown]
`;

interface RunJson {
  runId: string;
  status: string;
  reason?: string;
  phases: { id: string; status: string; reason?: string; steps: { status: string }[] }[];
}

function setup(): { dir: string; data: string; marks: () => string[] } {
  const dir = makeProject(YAML);
  const data = tempDataDir();
  made.push(dir, data);
  const marks = () => {
    try {
      return fs.readdirSync(path.join(dir, 'build')).sort();
    } catch {
      return [];
    }
  };
  return { dir, data, marks };
}

async function run(
  dir: string,
  data: string,
  workflow: string,
): Promise<{ code: number | null; run: RunJson }> {
  const r = await runCli(['run', workflow, '--json', '--data-dir', data], { cwd: dir });
  return { code: r.code, run: JSON.parse(r.stdout) as RunJson };
}

const statuses = (r: RunJson) => Object.fromEntries(r.phases.map((p) => [p.id, p.status]));

describe('gates checked before the run starts', () => {
  it('services without aws-prepare ever passed is refused before the local phase runs', async () => {
    const { dir, data, marks } = setup();
    const r = await run(dir, data, 'services');
    expect(r.code).toBe(1);
    expect(r.run.status).toBe('blocked');
    expect(r.run.reason).toMatch(
      /aws-deploy blocked: AWS preparation \(aws-prepare\) has never passed.*`offload run infrastructure`/,
    );
    expect(r.run.reason).toMatch(/refused before running anything/);
    expect(statuses(r.run)).toEqual({ local: 'pending', 'aws-deploy': 'blocked', 'aws-test': 'pending' });
    expect(r.run.phases.flatMap((p) => p.steps.map((s) => s.status))).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    expect(marks()).toEqual([]); // the local step never ran

    // History reads back the same, with no step logs.
    const h = await runCli(['history', '--run', r.run.runId, '--json', '--data-dir', data], { cwd: dir });
    const back = JSON.parse(h.stdout) as RunJson;
    expect(back.status).toBe('blocked');
    expect(statuses(back)).toEqual(statuses(r.run));

    // infrastructure satisfies its own gates as it goes (local, then aws-prepare); then services may run.
    const infra = await run(dir, data, 'infrastructure');
    expect(infra.run.status, infra.run.reason).toBe('passed');
    expect(marks()).toEqual([`local-${infra.run.runId}`, 'prepare']);
    const svc = await run(dir, data, 'services');
    expect(svc.run.status, svc.run.reason).toBe('passed');
    expect(marks()).toContain(`local-${svc.run.runId}`);
    expect(marks()).toContain(`deploy-${svc.run.runId}`);
    expect(marks()).toContain(`aws-test-${svc.run.runId}`);
  });

  it('shutdown without AWS testing after the latest deployment is refused before its local phase', async () => {
    const { dir, data, marks } = setup();
    const none = await run(dir, data, 'shutdown');
    expect(none.run.status).toBe('blocked');
    expect(none.run.reason).toMatch(/shutdown blocked: no AWS deployment has passed yet/);
    expect(statuses(none.run)).toEqual({ local: 'pending', shutdown: 'blocked' });
    expect(marks()).toEqual([]);

    // full deploys, and its failing AWS test leaves the deployment unverified.
    fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'build', 'fail-aws-test'), '');
    const full = await run(dir, data, 'full');
    expect(full.run.status).toBe('failed');
    expect(statuses(full.run)).toMatchObject({ 'aws-deploy': 'passed', 'aws-test': 'failed' });
    fs.rmSync(path.join(dir, 'build', 'fail-aws-test'));
    const before = marks();

    const unverified = await run(dir, data, 'shutdown');
    expect(unverified.run.status).toBe('blocked');
    expect(unverified.run.reason).toMatch(
      /shutdown blocked: AWS testing has not passed since the latest deployment.*`offload run (full|services|test)`/,
    );
    expect(statuses(unverified.run)).toEqual({ local: 'pending', shutdown: 'blocked' });
    expect(marks()).toEqual(before);

    // AWS testing after the deployment satisfies the gate: shutdown runs its local phase and shuts down.
    expect((await run(dir, data, 'test')).run.status).toBe('passed');
    const ok = await run(dir, data, 'shutdown');
    expect(ok.run.status, ok.run.reason).toBe('passed');
    expect(marks()).toContain(`local-${ok.run.runId}`);
    expect(marks()).toContain(`shutdown-${ok.run.runId}`);
  });

  it('full from scratch satisfies every gate itself: local, prepare, deploy, test, shutdown in order', async () => {
    const { dir, data, marks } = setup();
    const r = await run(dir, data, 'full');
    expect(r.run.status, r.run.reason).toBe('passed');
    const id = r.run.runId;
    expect(marks()).toEqual(
      [`aws-test-${id}`, `deploy-${id}`, `local-${id}`, 'prepare', `shutdown-${id}`].sort(),
    );
  });
});
