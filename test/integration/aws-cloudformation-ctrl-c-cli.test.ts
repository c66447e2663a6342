/**
 * Ctrl-C during cloudformation-deploy through the real CLI (issue 22, item 7): `offload run` updates a stack
 * on the local AWS endpoint (a real child process, real SDK); SIGINT arrives just after ExecuteChangeSet,
 * while the update is still going on in AWS. The output says the stack operation goes on in AWS and gives
 * the cancel-update-stack command with the flags in use; the run is recorded cancelled (never ⏳); exit 130.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
});
afterAll(async () => fake?.close());

const yaml = (url: string, interval: string) => `name: cfn-ctrl-c
aws:
  endpoint: ${url}
  region: us-east-1
phases:
  local:
    steps:
      - run: "true"
  aws-deploy:
    steps:
      - name: Stack
        cloudformation-deploy:
          stack: app
          template: app.json
          interval: ${interval}
          timeout: 2m
  aws-test:
    steps:
      - run: "true"
workflows:
  deploy: [local, aws-deploy, aws-test]
`;

const template = (resources: Record<string, string>) =>
  JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: Object.fromEntries(Object.entries(resources).map(([id, Type]) => [id, { Type }])),
  });

describe('Ctrl-C during cloudformation-deploy, through the CLI', () => {
  it('says the update goes on in AWS with the cancel-update-stack command, records the run cancelled, exit 130', async () => {
    const data = tempDataDir();
    const env = { ...TEST_ENV, HOME: data, OFFLOAD_HOME: data };
    const dir = makeProject(yaml(fake.url, '50ms'), { 'app.json': template({ Q: 'AWS::SQS::Queue' }) });
    const first = await runCli(['run', 'deploy', '--data-dir', data], { cwd: dir, env });
    expect(first.stdout + first.stderr).toMatch(/Stack/);
    expect(first.code).toBe(0);

    // The update: slow polls (the stack moves one event per poll), Ctrl-C just after it was executed.
    fs.writeFileSync(path.join(dir, 'offload.yml'), yaml(fake.url, '5s'));
    fs.writeFileSync(path.join(dir, 'app.json'), template({ Q: 'AWS::SQS::Queue', T: 'AWS::SNS::Topic' }));
    const before = fake.state.requests.length;
    const child = startCli(['run', 'deploy', '--data-dir', data], { cwd: dir, env });
    const done = collect(child, 20_000);
    await waitFor(
      () => fake.state.requests.slice(before).some((q) => q.op === 'ExecuteChangeSet'),
      15_000,
      'ExecuteChangeSet',
    );
    const sent = Date.now();
    child.kill('SIGINT');
    const r = await done;
    expect(Date.now() - sent).toBeLessThan(5_000); // not the next 5 s poll: at once
    expect(r.code).toBe(130);
    const out = r.stdout + r.stderr;
    expect(out).toContain('the stack update goes on in AWS');
    expect(out).toContain(
      `aws cloudformation cancel-update-stack --stack-name app --endpoint-url ${fake.url} --region us-east-1`,
    );
    // The step and the run end ⊘ cancelled (⏳ lines are the live progress before it).
    expect(out).toMatch(/^ {3}⊘ Stack .*the stack update goes on in AWS.*, cancelled\)$/m);
    expect(out).toMatch(/^⊘ run cancelled in /m);
    expect(fake.state.cloudformation.stacks.find((s) => s.name === 'app')?.status).toMatch(/IN_PROGRESS$/);

    const h = await runCli(['history', '--json', '--data-dir', data], { cwd: dir, env });
    const runs = JSON.parse(h.stdout) as { status: string }[];
    expect(runs.map((x) => x.status)).toEqual(['cancelled', 'passed']);
    const shown = await runCli(['history', '--data-dir', data], { cwd: dir, env });
    expect(shown.stdout).not.toMatch(/⏳/);
  });
});
