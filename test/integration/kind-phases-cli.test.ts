/**
 * Each step kind belongs in the phases whose gates cover what it does (StepKind.phases): through the built CLI, a
 * config with a deployment in `local`, or the shutdown's kinds in `aws-prepare`, is refused at the step's
 * line:column with exit 2, written out or copied there by an alias or a merge key, and nothing of it runs: no
 * step's file, no request to the AWS endpoint, the switched file untouched.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A project folder and a data folder, removed after the file's tests. */
function project(yaml: string, files: Record<string, string> = {}) {
  const dir = makeProject(yaml, files);
  const data = tempDataDir();
  made.push(dir, data);
  return { dir, data };
}

/** The `error` lines of a CLI's stderr. */
const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error'));

const allowed = (kind: string, phase: string, phases: string) =>
  `${kind}: step kind '${kind}' is not allowed in phase ${phase}: ${kind} may only be used in ${phases}.`;
const CHANGES_AWS = 'aws-prepare, aws-deploy';

describe('a step kind outside its phases is refused, and nothing runs', () => {
  // Stands in for AWS (aws.endpoint): every request it gets is counted, and none may come.
  let requests = 0;
  let endpoint = '';
  const server = http.createServer((req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('deployments in local (cloudformation, ECS, Lambda, EKS): exit 2 at each step, before the local tests', async () => {
    const { dir, data } = project(
      `name: deploys-early
aws: { endpoint: "${endpoint}", region: us-east-1 }
phases:
  local:
    steps:
      - run: touch ran-local
      - cloudformation-deploy: { stack: api, template: stack.json }
      - ecs-deploy: { cluster: dev, service: api }
      - name: Lambda
        lambda-deploy: { function: api, zip: api.zip }
      - eks-rollout: { deployment: web, image: "nginx:1", eks: { cluster: dev, region: us-east-1 } }
  aws-test:
    steps:
      - run: touch ran-aws-test
`,
      { 'stack.json': '{"Resources": {}}', 'api.zip': 'zip' },
    );
    const v = await runCli(['validate', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(v.code, v.stdout + v.stderr).toBe(2);
    const at = (where: string, path: string, kind: string) =>
      expect.stringContaining(
        `offload.yml:${where}: phases.local.steps[${path}].${allowed(kind, 'local', CHANGES_AWS)}`,
      );
    expect(errors(v.stderr)).toEqual([
      at('7:9', '1', 'cloudformation-deploy'),
      at('8:9', '2', 'ecs-deploy'),
      at('10:9', '3', 'lambda-deploy'),
      at('11:9', '4', 'eks-rollout'),
    ]);
    for (const workflow of ['local', 'full']) {
      const r = await runCli(['run', workflow, '--data-dir', data], { cwd: dir });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('4 problems in the config; nothing was run');
    }
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('ran-'))).toEqual([]);
    expect(requests).toBe(0);
  });

  it('the shutdown kinds in aws-prepare or local: exit 2, the local models and the switched file untouched', async () => {
    const env = 'URL=http://127.0.0.1:11434\n';
    const { dir, data } = project(
      `name: shuts-down-early
switch:
  files:
    - path: .env
      keys:
        URL: { aws: "http://aws.example", local: "http://127.0.0.1:11434" }
phases:
  local:
    steps:
      - run: touch ran-local
      - switch-config: { to: aws }
  aws-prepare:
    steps:
      - stop-local-models: true
      - name: Point the dev tools at AWS
        switch-config: { to: aws }
  aws-test:
    steps:
      - run: touch ran-aws-test
  shutdown:
    steps:
      - stop-local-models: { servers: [ollama] }
`,
      { '.env': env },
    );
    const v = await runCli(['validate', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(v.code, v.stdout + v.stderr).toBe(2);
    expect(errors(v.stderr)).toEqual([
      expect.stringContaining(
        `offload.yml:11:9: phases.local.steps[1].${allowed('switch-config', 'local', 'shutdown')}`,
      ),
      expect.stringContaining(
        `offload.yml:14:9: phases.aws-prepare.steps[0].${allowed('stop-local-models', 'aws-prepare', 'shutdown')}`,
      ),
      expect.stringContaining(
        `offload.yml:16:9: phases.aws-prepare.steps[1].${allowed('switch-config', 'aws-prepare', 'shutdown')}`,
      ),
    ]);
    const r = await runCli(['run', 'infrastructure', '--data-dir', data], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('nothing was run');
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(env);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('ran-'))).toEqual([]);
  });

  it('a step copied into another phase by a merge key or an alias is refused where it was copied in', async () => {
    const { dir, data } = project(`name: smuggled
aws: { endpoint: "${endpoint}", region: us-east-1 }
phases:
  aws-deploy:
    steps:
      - &deploy
        name: Deploy the API
        ecs-deploy: { cluster: dev, service: api }
  shutdown: &shutdown
    steps:
      - &stop { stop-local-models: true }
  local:
    steps:
      - run: touch ran-local
      - <<: *deploy
        id: deploy-early
  aws-prepare:
    steps:
      - *stop
  aws-test:
    steps:
      - run: touch ran-aws-test
  monitor: *shutdown
`);
    const v = await runCli(['validate', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(v.code, v.stdout + v.stderr).toBe(2);
    // at the `<<`, the `*stop` and the `*shutdown`: not at the anchors, which sit where the kinds are allowed
    expect(errors(v.stderr)).toEqual([
      expect.stringContaining(
        `offload.yml:15:9: phases.local.steps[1].${allowed('ecs-deploy', 'local', CHANGES_AWS)}`,
      ),
      expect.stringContaining(
        `offload.yml:19:9: phases.aws-prepare.steps[0].${allowed('stop-local-models', 'aws-prepare', 'shutdown')}`,
      ),
      expect.stringContaining(
        `offload.yml:23:12: phases.monitor.steps[0].${allowed('stop-local-models', 'monitor', 'shutdown')}`,
      ),
    ]);
    const r = await runCli(['run', 'full', '--data-dir', data], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('ran-'))).toEqual([]);
    expect(requests).toBe(0);
  });

  it('each kind in its phases validates (the same steps, moved where they belong)', async () => {
    const { dir, data } = project(
      `name: in-place
phases:
  local:
    steps:
      - run: "true"
      - load-test: { url: "http://127.0.0.1:9/", rate: 10/s, duration: 1s }
  aws-prepare:
    steps:
      - cloudformation-deploy: { stack: api, template: stack.json }
      - cloudwatch-alarms-ok: { prefixes: [api-] }
  aws-deploy:
    steps:
      - ecs-deploy: { cluster: dev, service: api }
      - lambda-deploy: { function: api, zip: api.zip }
      - eks-rollout: { deployment: web, image: "nginx:1" }
      - ecs-wait-stable: { cluster: dev, services: [api] }
  aws-test:
    steps:
      - lambda-invoke: { function: api }
      - cloudwatch-logs-clean: { log-groups: [/ecs/api] }
  shutdown:
    steps:
      - cloudwatch-alarms-ok: { prefixes: [api-] }
      - stop-local-models: true
      - switch-config: { to: aws }
  monitor:
    steps:
      - cloudwatch-alarms-ok: { prefixes: [api-] }
switch:
  files:
    - path: .env
      keys:
        URL: { aws: "http://aws.example", local: "http://127.0.0.1:11434" }
`,
      { 'stack.json': '{"Resources": {}}', 'api.zip': 'zip', '.env': 'URL=x\n' },
    );
    const v = await runCli(['validate', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });
});
