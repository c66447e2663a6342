/**
 * Issue 22 item 5: the gate's polls stay on time beside a model server that keeps coming back. A real shell
 * loop starts an orphaned llama-server look-alike every 300 ms (each one new, parent init: stopped each
 * time, never "restarted by" one parent); the real machine watch lists them every 500 ms and the rule (policy
 * auto, AWS ready) stops each with a 1.5 s verify. Every machine update asks for a model check: those checks
 * coalesce (at most one running, one pending), and the gate's poll never waits on them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAwsWatch, type AwsWatch } from '../../main/core/aws/watch';
import {
  createMachineWatch,
  parseModelsConfig,
  parseWatchConfig,
  type MachineWatch,
} from '../../main/core/machine';
import { Notifier } from '../../main/core/notify/notifier';
import { createRuleWiring, type RuleWiring } from '../../main/core/rule/wire';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';
import { escapeRegex, fixtureSandbox, waitFor } from './machine-helpers';
import { projectEffects } from '../../main/core/boundary';

const TRUSTED = projectEffects({ trusted: true });

const INTERVAL_MS = 1000;

describe.runIf(process.platform === 'linux')('the gate beside a respawning model server', () => {
  const box = fixtureSandbox('offload-respawn-');
  let fake: FakeAws | undefined;
  let clients: AwsClients | undefined;
  let machine: MachineWatch | undefined;
  let watch: AwsWatch | undefined;
  let rule: RuleWiring | undefined;
  let loop: ChildProcess | undefined;

  afterAll(async () => {
    loop?.kill('SIGKILL');
    watch?.stop();
    rule?.dispose();
    machine?.stop();
    clients?.destroy();
    await fake?.close();
    await box.cleanup();
  });

  it('polls stay on time (at most one interval late) while model checks pile up', async () => {
    fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    clients = testClients(fake.url, { maxAttempts: 2, timeout: '1s' });
    const config = testConfig(box.dir, {
      gate: {
        services: [{ cluster: 'dev', service: 'api' }],
        'consecutive-passes': 1,
        interval: `${INTERVAL_MS}ms`,
        policy: 'auto',
      },
    });
    machine = createMachineWatch({
      models: parseModelsConfig({
        exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
        grace: '500ms',
        verify: '1500ms',
      }),
      watch: parseWatchConfig({ gpu: false, 'process-interval': '500ms' }),
    });
    const journal: { kind: string; data: Record<string, unknown> }[] = [];
    rule = createRuleWiring({
      config,
      models: machine,
      notifier: new Notifier(),
      journal: {
        appendProjectEvent: (kind: string, data: unknown) =>
          journal.push({ kind, data: data as Record<string, unknown> }),
      },
      dataDir: path.join(box.dir, 'data'),
      log: () => undefined,
    });
    watch = createAwsWatch({
      effects: TRUSTED, // the user trusts this project: the gate asks AWS and the endpoints
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
    loop = spawn('bash', ['-c', `while :; do ( "${server}" --port 0 >/dev/null 2>&1 & ); sleep 0.3; done`], {
      stdio: 'ignore',
    });
    machine.start();
    watch.start();
    // The gate opens on the first poll; the rule then stops whatever the loop started, again and again.
    await waitFor(() => journal.filter((j) => j.data.action === 'stop-local-models').length >= 1, 15_000);
    const from = polls.length;
    // A bare timer beside it, in the same run: how late this process's timers are anyway (a loaded machine).
    const TICK_MS = 100;
    const ticks: number[] = [Date.now()];
    const ticker = setInterval(() => ticks.push(Date.now()), TICK_MS);
    await new Promise((r) => setTimeout(r, 7000));
    clearInterval(ticker);
    const times = polls.slice(from);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const lag = Math.max(0, ...ticks.slice(1).map((t, i) => t - ticks[i]! - TICK_MS));
    // Each gap is a poll's own time plus the interval: at most one interval late (beyond the machine's own lag).
    expect(times.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * INTERVAL_MS + lag);
    expect(watch.snapshot().gate).toBe('ready');
    // The rule kept acting all along (the checks were coalesced, not dropped).
    expect(journal.filter((j) => j.data.action === 'stop-local-models').length).toBeGreaterThanOrEqual(2);
  }, 40_000);
});
