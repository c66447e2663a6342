// Bundled and run by bench/gate-respawn.mjs. The real AWS watch (real SDK clients over HTTP against the local
// AWS endpoint) with the gate open, the real machine watch and the rule (policy auto), once with nothing
// beside it (baseline) and once beside a model server that keeps coming back: a shell loop starting an
// orphaned llama-server look-alike every 300 ms, each one stopped by the rule with a 1.5 s verify.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createAwsWatch } from '../main/core/aws/watch';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../main/core/machine';
import { Notifier } from '../main/core/notify/notifier';
import { createRuleWiring } from '../main/core/rule/wire';
import { startFakeAws } from '../test/fixtures/aws-endpoint/server';
import { testClients, testConfig } from '../test/fixtures/aws-endpoint/helpers';
import fs from 'node:fs';
import os from 'node:os';

const ROOT = process.env.OFFLOAD_BENCH_ROOT ?? process.cwd();
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A temp folder with the model-server fixtures in bin/; cleanup ends every process started from it. */
function fixtureSandbox(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const src = path.join(ROOT, 'test', 'fixtures', 'model-servers');
  fs.mkdirSync(path.join(dir, 'bin'));
  for (const f of fs.readdirSync(src)) {
    fs.copyFileSync(path.join(src, f), path.join(dir, 'bin', f));
    fs.chmodSync(path.join(dir, 'bin', f), 0o755);
  }
  const cleanup = async () => {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
      try {
        if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dir))
          process.kill(Number(name), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, cleanup };
}

const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

/** Poll lateness (ms beyond the interval between two poll ends) over SECONDS, with or without a respawner. */
async function scenario(respawn: boolean) {
  const box = fixtureSandbox('offload-bench-respawn-');
  const fake = await startFakeAws();
  fake.state.addService({ cluster: 'dev', service: 'api' });
  const clients = testClients(fake.url, { maxAttempts: 2, timeout: '1s' });
  const config = testConfig(box.dir, {
    gate: {
      services: [{ cluster: 'dev', service: 'api' }],
      'consecutive-passes': 1,
      interval: `${INTERVAL_MS}ms`,
      policy: 'auto',
    },
  });
  const machine = createMachineWatch({
    models: parseModelsConfig({
      exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
      grace: '500ms',
      verify: '1500ms',
    }),
    watch: parseWatchConfig({ gpu: false, 'process-interval': '500ms' }),
  });
  let stops = 0;
  const rule = createRuleWiring({
    config,
    models: machine,
    notifier: new Notifier(),
    journal: {
      appendProjectEvent: (_kind: string, data: unknown) =>
        void ((data as { action?: string }).action === 'stop-local-models' && stops++),
    },
    dataDir: path.join(box.dir, 'data'),
    log: () => undefined,
  });
  const watch = createAwsWatch({
    config,
    clients,
    notifier: new Notifier(),
    dataDir: path.join(box.dir, 'data'),
    log: () => undefined,
  });
  const polls: number[] = [];
  watch.onGatePoll(() => void polls.push(Date.now()));
  rule.attach(watch);
  const server = path.join(box.dir, 'bin', 'llama-server');
  const loop = respawn
    ? spawn('bash', ['-c', `while :; do ( "${server}" --port 0 >/dev/null 2>&1 & ); sleep 0.3; done`], {
        stdio: 'ignore',
      })
    : undefined;
  machine.start();
  watch.start();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  loop?.kill('SIGKILL');
  watch.stop();
  rule.dispose();
  machine.stop();
  clients.destroy();
  await fake.close();
  await box.cleanup();
  // The first poll opens the gate (its stop is a transition the poll waits for); lateness is measured after it.
  const gaps = polls.slice(2).map((t, i) => t - polls[i + 1]!);
  const late = gaps.map((g) => Math.max(0, g - INTERVAL_MS));
  return {
    polls: polls.length,
    expectedPolls: Math.floor((SECONDS * 1000) / INTERVAL_MS),
    maxLatenessMs: late.length ? Math.max(...late) : null,
    medianLatenessMs: late.length ? [...late].sort((a, b) => a - b)[Math.floor(late.length / 2)] : null,
    ruleStops: stops,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const baseline = await scenario(false);
  const respawning = await scenario(true);
  const max = respawning.maxLatenessMs ?? Infinity;
  return {
    bench: 'gate-respawn',
    intervalMs: INTERVAL_MS,
    seconds: SECONDS,
    baseline,
    respawning,
    latenessPerInterval: max / INTERVAL_MS,
    target: 'latenessPerInterval <= 1',
  };
}
