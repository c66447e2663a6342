/**
 * AWS step messages that fit where the user is (issue 16): lambda-deploy publishes `previous-version` on the
 * first deploy too (empty: the alias was created, there is nothing to go back to), so a rollback step's
 * `${{ steps.deploy.outputs.previous-version }}` does not break the run; and a missing output of a built-in
 * kind is not explained as "write it to $OFFLOAD_OUTPUT" (only `run` steps write that file).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lambdaDeployStep } from '../../main/core/aws/steps/lambda-deploy';
import { interpolate, type InterpolationContext } from '../../main/core/config/interpolate';
import { startFakeAws, FakeAwsState, type FakeAws } from '../fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

let fake: FakeAws;
let clients: AwsClients;
let dir: string;

beforeAll(async () => {
  fake = await startFakeAws({ state: new FakeAwsState() });
  clients = testClients(fake.url);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-step-messages-'));
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist/fn.zip'), Buffer.from('PK\x03\x04exports.handler=1', 'binary'));
});
afterAll(async () => {
  clients?.destroy();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lambda-deploy previous-version', () => {
  test('the first deploy (alias created) publishes it empty; the next one the version before', async () => {
    fake.state.lambda.addFunction('first');
    const run = async () => {
      const r = makeCtx({ aws: clients, config: testConfig(dir, { aws: { endpoint: fake.url } }) });
      r.ctx.projectDir = dir;
      const res = await lambdaDeployStep.execute(
        r.ctx,
        step('lambda-deploy', { function: 'first', zip: 'dist/fn.zip', alias: 'live', interval: '10ms' }),
      );
      expect(res.status).toBe('passed');
      return r.outputs;
    };
    const one = await run();
    expect(one['previous-version']).toBe('');
    const two = await run();
    expect(two['previous-version']).toBe('1');
  });

  test('the kind documents when previous-version is empty', () => {
    expect(String(lambdaDeployStep.schema.description)).toMatch(
      /previous-version \(with alias: .*empty on the first deploy/,
    );
  });
});

describe('a missing output of an earlier step', () => {
  const ictx = (kinds: Record<string, string>): InterpolationContext => ({
    env: {},
    secrets: {},
    steps: { deploy: { 'function-arn': 'arn:x', version: '1' }, build: {} },
    project: { name: 'p', dir },
    run: { id: 'r', workflow: 'full' },
    stepKinds: kinds,
  });
  const message = (ref: string, kinds: Record<string, string>) => {
    try {
      interpolate(`\${{ steps.${ref} }}`, ictx(kinds));
    } catch (err) {
      return (err as Error).message;
    }
    return 'resolved';
  };

  test('of a built-in kind: names the kind, never $OFFLOAD_OUTPUT', () => {
    const m = message('deploy.outputs.previous-verison', { deploy: 'lambda-deploy' });
    expect(m).toContain("did not publish output 'previous-verison' (it published: function-arn, version");
    expect(m).toContain('a lambda-deploy step publishes the outputs its kind documents');
    expect(m).not.toContain('OFFLOAD_OUTPUT');
  });

  test('of a run step: still says to write it to $OFFLOAD_OUTPUT', () => {
    expect(message('build.outputs.image', { build: 'run' })).toContain('write image=… to "$OFFLOAD_OUTPUT"');
  });
});
