// Bundled and run by bench/cost-view.mjs. The real core (createOffload, one-shot: no AWS watch polling beside
// it) against the local AWS endpoint (Price List + ECS, real SDK, real HTTP), on a clock the bench moves: how
// many AWS requests 100 window updates (state snapshots) cause, how many the cost view's 15-minute refresh
// causes over an hour of updates, and what a refresh and a snapshot cost.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { recordDeployment } from '../main/core/deployments';
import { createOffload } from '../main/core/offload';
import { openProject } from '../main/core/project';
import { startFakeAws } from '../test/fixtures/aws-endpoint/server';
import { TEST_ENV } from '../test/fixtures/aws-endpoint/helpers';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (n: number, d = 3) => +n.toFixed(d);

export async function run(): Promise<Record<string, unknown>> {
  const fake = await startFakeAws();
  fake.state.addService({ cluster: 'prod', service: 'inference-api', desired: 2 });
  fake.state.addService({ cluster: 'prod', service: 'embeddings', desired: 1 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-bench-cost-'));
  const dataDir = `${dir}-data`;
  fs.writeFileSync(
    path.join(dir, 'offload.yml'),
    `name: bench-cost
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 5s }
gate:
  services: [{ cluster: prod, service: inference-api }, { cluster: prod, service: embeddings }]
notify: { desktop: false, budget: { per-hour: 5 } }
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
`,
  );
  let clock = Date.parse('2026-12-07T09:12:00Z');
  recordDeployment(openProject({ cwd: dir, dataDir, env: TEST_ENV }).history, {
    runId: 'r1',
    workflow: 'services',
    at: new Date(clock).toISOString(),
    fingerprint: 'f',
    items: [],
  });
  const core = await createOffload({
    projectDir: dir,
    dataDir,
    env: { ...process.env, ...TEST_ENV },
    watch: false,
    now: () => clock,
    log: () => undefined,
  });
  const calls = () => fake.state.requests.filter((r) => r.service !== 'http').length;
  try {
    await core.trustProject();
    let t = performance.now();
    await core.cost();
    const firstRefreshMs = performance.now() - t;
    const firstRefreshCalls = calls();

    // 100 window updates, 5 s apart on the clock: snapshots only.
    const before = calls();
    const snapUs: number[] = [];
    for (let i = 0; i < 100; i++) {
      clock += 5_000;
      t = performance.now();
      core.state();
      snapUs.push((performance.now() - t) * 1000);
    }
    const callsPer100Updates = calls() - before;

    // An hour of updates (every 36 s), each also asking the cost view whether a refresh is due (as its poller does).
    const hourStart = calls();
    const refreshMs: number[] = [];
    let refreshes = 0;
    for (let i = 0; i < 100; i++) {
      clock += 36_000;
      const c0 = calls();
      t = performance.now();
      await core.cost();
      const ms = performance.now() - t;
      core.state();
      if (calls() > c0) {
        refreshes++;
        refreshMs.push(ms);
      }
    }
    return {
      callsPer100Updates,
      target: 0,
      pass: callsPer100Updates === 0,
      snapshotMedianUs: round(median(snapUs), 1),
      firstRefresh: { calls: firstRefreshCalls, ms: round(firstRefreshMs, 1) },
      hourOfUpdates: {
        updates: 100,
        refreshes,
        awsCalls: calls() - hourStart,
        refreshMedianMs: round(median(refreshMs), 1),
      },
      costLine: core.state().cost?.line,
    };
  } finally {
    await core.dispose();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
