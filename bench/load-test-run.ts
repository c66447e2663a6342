// Bundled and run by bench/load-test.mjs. (1) The load-test step's achieved request rate against a local HTTP
// server (in its own process) as a ratio to bare autocannon driving the same server with the same options, in
// the same run, interleaved. (2) The AWS API calls each issue-10 step of this file makes per run (lambda-deploy,
// lambda-invoke, load-test's scaling check), counted by the clients against the local AWS endpoint.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTestStep } from '../main/core/load-test/load-test';
import { lambdaDeployStep } from '../main/core/aws/steps/lambda-deploy';
import { lambdaInvokeStep } from '../main/core/aws/steps/lambda-invoke';
import { startFakeAws } from '../test/fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../test/fixtures/aws-endpoint/helpers';

const SERVER = `require('http').createServer((q, s) => { s.writeHead(200, {'content-type': 'text/plain'}); s.end('ok'); })
  .listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bare(
  url: string,
  o: { connections: number; duration: number; rate?: number },
): Promise<number> {
  const autocannon = require('autocannon');
  const res = await autocannon({
    url,
    connections: o.connections,
    duration: o.duration,
    // The step's setting (autocannon stops at its next sample; 100 ms keeps a cancel prompt).
    sampleInt: 100,
    ...(o.rate ? { overallRate: o.rate } : {}),
  });
  const done = res.requests.total + res.errors;
  return done / res.duration;
}

async function viaStep(
  url: string,
  o: { connections: number; duration: number; rate?: number },
): Promise<number> {
  const r = makeCtx({});
  const res = await loadTestStep.execute(
    r.ctx,
    step('load-test', {
      url,
      connections: o.connections,
      duration: o.duration,
      ...(o.rate ? { rate: o.rate } : {}),
      thresholds: { errors: '100%' },
    }),
  );
  if (!r.outputs.rps) throw new Error(`load-test gave no rps: ${res.summary}`);
  return Number(r.outputs.rps);
}

export async function run() {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d) => resolve(String(d).trim())),
  );
  const url = `http://127.0.0.1:${port}/`;
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  const duration = Number(process.env.BENCH_LOAD_SECONDS ?? 3);
  const cases = [
    { name: 'unlimited', connections: 10, duration },
    { name: 'rate 500/s', connections: 10, duration, rate: 500 },
  ];
  const load: Record<string, unknown>[] = [];
  try {
    for (const c of cases) {
      const b: number[] = [];
      const s: number[] = [];
      for (let i = 0; i < repeats; i++) {
        b.push(await bare(url, c));
        s.push(await viaStep(url, c));
      }
      load.push({
        case: c.name,
        bareRps: Math.round(median(b)),
        stepRps: Math.round(median(s)),
        ratio: Number((median(s) / median(b)).toFixed(3)),
      });
    }
  } finally {
    child.kill();
  }

  // AWS calls per run of each step, against the local endpoint.
  const fake = await startFakeAws();
  const clients = testClients(fake.url);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-bench-lambda-'));
  const services = { aws: clients, config: testConfig(dir, { aws: { endpoint: fake.url } }) };
  const calls: Record<string, Record<string, number>> = {};
  const measure = async (name: string, fn: () => Promise<unknown>) => {
    clients.calls.clear();
    await fn();
    calls[name] = Object.fromEntries(clients.calls);
  };
  try {
    fs.writeFileSync(path.join(dir, 'fn.zip'), Buffer.from('PK\x03\x04 bench', 'binary'));
    fake.state.lambda.addFunction('bench', { plans: [{ kind: 'successful', polls: 2 }] });
    const r = makeCtx(services);
    r.ctx.projectDir = dir;
    await measure('lambda-deploy (zip + alias, update done after 2 polls, alias created)', () =>
      lambdaDeployStep.execute(
        r.ctx,
        step('lambda-deploy', { function: 'bench', zip: 'fn.zip', alias: 'live', interval: '10ms' }),
      ),
    );
    await measure('lambda-invoke', () =>
      lambdaInvokeStep.execute(r.ctx, step('lambda-invoke', { function: 'bench' })),
    );
    fake.state.addService({ cluster: 'c', service: 's', desired: 2 });
    const child2 = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port2 = await new Promise<string>((resolve) =>
      child2.stdout!.once('data', (d) => resolve(String(d).trim())),
    );
    await measure('load-test scaled (ECS, within 0)', () =>
      loadTestStep.execute(
        makeCtx(services).ctx,
        step('load-test', {
          url: `http://127.0.0.1:${port2}/`,
          requests: 100,
          scaled: { ecs: { cluster: 'c', service: 's' } },
        }),
      ),
    );
    child2.kill();
  } finally {
    clients.destroy();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { load, awsCallsPerRun: calls };
}
