/**
 * eks-rollout through the real @kubernetes/client-node over HTTP against the local Kubernetes API fixture:
 * a healthy rollout, each failure that must end the step early with its cause (image pull, crash loop with
 * its last log lines, unschedulable with the scheduler's message, progress deadline), a rollout that is
 * still going at the timeout, manifests (server-side apply and replace), kubeconfig as kubectl reads it,
 * EKS tokens (exec-based kubeconfig user and `eks:` with DescribeCluster), and a project kubeconfig whose
 * exec plugin is refused without being run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eksRolloutStep, type EksRolloutSpec } from '../../main/core/k8s/eks-rollout';
import { decodeEksToken } from '../../main/core/k8s/eks-token';
import { loadKube } from '../../main/core/k8s/kubeconfig';
import type { ResolvedStep, StepContext } from '../../main/core/vocabulary';
import { K8sApi } from '../fixtures/k8s-api/server';
import { testConfig } from '../fixtures/aws-endpoint/helpers';

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDOFFLOADTEST',
  AWS_SECRET_ACCESS_KEY: 'offload-test-secret',
};

let api: K8sApi;
let dir: string;
let home: string;

beforeEach(async () => {
  api = await new K8sApi().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-k8s-'));
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-k8s-home-'));
});
afterEach(async () => {
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

interface Run {
  status: string;
  summary: string;
  logs: string[];
  outputs: Record<string, string>;
  ms: number;
}

async function run(
  spec: EksRolloutSpec,
  o: { env?: Record<string, string>; sections?: Record<string, unknown> } = {},
): Promise<Run> {
  const logs: string[] = [];
  const outputs: Record<string, string> = {};
  const kubeconfig = o.env?.KUBECONFIG ?? api.writeKubeconfig(path.join(home, 'config'));
  const ctx: StepContext = {
    runId: 'run-1',
    projectDir: dir,
    phase: 'aws-deploy',
    stepId: 'rollout',
    attempt: 1,
    signal: new AbortController().signal,
    // HOME points at an empty folder: nothing of this machine's ~/.kube or ~/.aws is read.
    env: { HOME: home, KUBECONFIG: kubeconfig, ...AWS_ENV, ...o.env },
    cwd: dir,
    log: (t) => logs.push(t),
    setOutput: (k, v) => (outputs[k] = v),
    addMask: () => undefined,
    record: () => undefined,
    services: { config: testConfig(dir, o.sections ?? {}) },
  };
  const step: ResolvedStep<EksRolloutSpec> = {
    id: 'rollout',
    name: 'rollout',
    kind: 'eks-rollout',
    spec: { interval: '20ms', 'failure-grace': '150ms', timeout: '20s', ...spec },
    extra: {},
    timeoutMs: undefined,
  };
  const t0 = Date.now();
  const r = await eksRolloutStep.execute(ctx, step);
  return { status: r.status, summary: r.summary ?? '', logs, outputs, ms: Date.now() - t0 };
}

describe('eks-rollout: set image and wait', () => {
  it('passes a healthy rollout with progress lines and outputs', async () => {
    api.addDeployment({ name: 'web', image: 'repo/web:1', replicas: 3 });
    const r = await run({ deployment: 'web', container: 'app', image: 'repo/web:2' });
    expect(r.status, r.summary).toBe('passed');
    expect(r.outputs).toMatchObject({
      revision: '2',
      image: 'repo/web:2',
      readyReplicas: '3',
      previousImage: 'repo/web:1',
    });
    expect(r.logs.join('\n')).toContain('deployment/web container app: repo/web:1 -> repo/web:2');
    expect(
      r.logs.some((l) => /Waiting for deployment "web" rollout to finish: \d out of 3 new replicas/.test(l)),
    ).toBe(true);
    expect(r.logs).toContain('deployment "web" successfully rolled out');
    const patch = api.requests.find((q) => q.method === 'PATCH');
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch?.query.fieldManager).toBe('offload');
    expect(api.deployment('web')!.spec.template.spec.containers[0].image).toBe('repo/web:2');
  });

  it('needs container when the pod template has several', async () => {
    api.addDeployment({ name: 'web', image: 'repo/web:1' });
    const d = api.deployment('web')!;
    expect(d.spec.template.spec.containers).toHaveLength(1);
    const r = await run({ deployment: 'web', container: 'sidecar', image: 'repo/web:2' });
    expect(r.status).toBe('failed');
    expect(r.summary).toContain('has no container sidecar (containers: app)');
  });

  it('fails early on ImagePullBackOff naming the pod, the reason and the image', async () => {
    api.addDeployment({ name: 'web', image: 'repo/web:1' });
    api.setScenario('web', 'image-pull');
    const r = await run({ deployment: 'web', image: 'repo/web:typo', timeout: '10m' });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/deployment\/web: pod web-[a-f0-9]+-\w+ ImagePullBackOff \(repo\/web:typo\)/);
    expect(r.summary).toContain('kubectl rollout undo deployment/web -n default --context fixture');
    expect(r.summary).not.toMatch(/timed out|not rolled out after/);
    expect(r.ms).toBeLessThan(10_000);
    const log = r.logs.join('\n');
    expect(log).toMatch(
      /ErrImagePull — rpc error: code = NotFound desc = failed to pull and unpack image "repo\/web:typo"/,
    );
    expect(log).toMatch(
      /pod web-\S+ \(container app\): ImagePullBackOff — Back-off pulling image "repo\/web:typo" \[image repo\/web:typo\]/,
    );
  });

  it('fails early on CrashLoopBackOff with the last log lines of the crashed container', async () => {
    api.addDeployment({ name: 'api', image: 'repo/api:1' });
    api.setScenario('api', 'crash-loop', {
      logs: [
        'line 1',
        'line 2',
        'connecting to db',
        'Error: DATABASE_URL is not set',
        '    at main (/app/server.js:12:11)',
      ],
    });
    const r = await run({ deployment: 'api', image: 'repo/api:2', 'log-lines': 3 });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/pod api-\S+ CrashLoopBackOff/);
    const log = r.logs.join('\n');
    expect(log).toMatch(
      /CrashLoopBackOff — back-off \d+s restarting failed container=app .*\[\d+ restarts?, last exit code 1\]/,
    );
    expect(log).toContain(
      '  | connecting to db\n  | Error: DATABASE_URL is not set\n  |     at main (/app/server.js:12:11)',
    );
    expect(log).not.toContain('line 2');
    const logReq = api.requests.find((q) => q.path.endsWith('/log'));
    expect(logReq?.query).toMatchObject({ tailLines: '3', previous: 'true', container: 'app' });
  });

  it('fails early on an unschedulable pod with the scheduler’s FailedScheduling message', async () => {
    api.addDeployment({ name: 'gpu', image: 'repo/gpu:1' });
    api.setScenario('gpu', 'unschedulable', {
      schedulerMessage: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
    });
    const r = await run({ deployment: 'gpu', image: 'repo/gpu:2' });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/pod gpu-\S+ Unschedulable/);
    expect(r.logs.join('\n')).toMatch(
      /pod gpu-\S+: Unschedulable — 0\/3 nodes are available: 3 Insufficient nvidia.com\/gpu\./,
    );
    const ev = api.requests.find((q) => q.path.endsWith('/events'));
    expect(ev?.query.fieldSelector).toMatch(/^involvedObject\.name=gpu-/);
  });

  it('fails at ProgressDeadlineExceeded, before its own timeout', async () => {
    api.addDeployment({ name: 'web', image: 'repo/web:1' });
    api.setScenario('web', 'deadline', { deadlineAfter: 3 });
    const r = await run({ deployment: 'web', image: 'repo/web:2', 'failure-grace': '10m', timeout: '10m' });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(
      /deployment "web" exceeded its progress deadline: ReplicaSet "web-\w+" has timed out progressing/,
    );
    expect(r.ms).toBeLessThan(10_000);
  });

  it('at its timeout names what is still not done (never "timed out" alone)', async () => {
    api.addDeployment({ name: 'web', image: 'repo/web:1' });
    api.setScenario('web', 'deadline', { deadlineAfter: 10_000 });
    const r = await run({ deployment: 'web', image: 'repo/web:2', 'failure-grace': '10m', timeout: '300ms' });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(
      /^not rolled out after 300ms: Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated\.\.\./,
    );
  });

  it('explains a missing deployment and a rejected token', async () => {
    const missing = await run({ deployment: 'nope', image: 'x:1' });
    expect(missing.status).toBe('failed');
    expect(missing.summary).toMatch(
      /set image of deployment\/nope: HTTP 404 NotFound — deployments.apps "nope" not found/,
    );
    const bad = api.writeKubeconfig(path.join(home, 'bad'), { token: 'wrong' });
    const denied = await run({ deployment: 'web' }, { env: { KUBECONFIG: bad } });
    expect(denied.summary).toMatch(/HTTP 401 Unauthorized .*rejected the credentials/);
  });
});

describe('eks-rollout: manifests', () => {
  const manifest = (image: string) =>
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: web-config }',
      'data: { LOG_LEVEL: info }',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web, labels: { app: web } }',
      'spec:',
      '  replicas: 2',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      '    spec:',
      '      containers:',
      `        - { name: app, image: "${image}" }`,
      '',
    ].join('\n');

  it('server-side applies every object and waits for each Deployment', async () => {
    fs.mkdirSync(path.join(dir, 'k8s'));
    fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), manifest('repo/web:1'));
    const r = await run({ manifest: 'k8s/app.yaml', namespace: 'shop' });
    expect(r.status, r.summary).toBe('passed');
    expect(r.logs).toEqual(
      expect.arrayContaining(['configmap/web-config (shop) applied', 'deployment/web (shop) created']),
    );
    expect(r.outputs).toMatchObject({ revision: '1', image: 'repo/web:1', readyReplicas: '2' });
    expect(api.object('ConfigMap', 'web-config', 'shop')?.data).toEqual({ LOG_LEVEL: 'info' });
    const applies = api.requests.filter((q) => q.contentType === 'application/apply-patch+yaml');
    expect(applies.map((q) => q.query)).toEqual([
      expect.objectContaining({ fieldManager: 'offload', force: 'true' }),
      expect.objectContaining({ fieldManager: 'offload', force: 'true' }),
    ]);
    // A second apply with a new image is a new revision.
    fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), manifest('repo/web:2'));
    const again = await run({ manifest: 'k8s/app.yaml', namespace: 'shop' });
    expect(again.status, again.summary).toBe('passed');
    expect(again.logs).toContain('deployment/web (shop) configured');
    expect(again.outputs).toMatchObject({ revision: '2', image: 'repo/web:2' });
  });

  it('replaces Deployments (PUT over the live object) with apply: replace, and fails their rollout early', async () => {
    api.addDeployment({ name: 'web', image: 'repo/web:1' });
    api.setScenario('web', 'image-pull');
    fs.writeFileSync(path.join(dir, 'app.yaml'), manifest('repo/web:missing'));
    const r = await run({ manifest: 'app.yaml', apply: 'replace' });
    expect(api.requests.some((q) => q.method === 'PUT')).toBe(true);
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/ImagePullBackOff \(repo\/web:missing\)/);
  });

  it('names a missing manifest file', async () => {
    const r = await run({ manifest: 'k8s/none.yaml' });
    expect(r.status).toBe('failed');
    expect(r.summary).toContain('k8s/none.yaml: no such file');
  });
});

describe('kubeconfig as kubectl reads it', () => {
  it('merges the KUBECONFIG list first-wins, skips missing files, and context: selects', async () => {
    const a = api.writeKubeconfig(path.join(home, 'a'), { context: 'first', namespace: 'team-a' });
    const other = await new K8sApi().start();
    try {
      const b = other.writeKubeconfig(path.join(home, 'b'), { context: 'second' });
      const env = { KUBECONFIG: [path.join(home, 'missing'), a, b].join(path.delimiter), HOME: home };
      const def = await loadKube({}, { env, projectDir: dir });
      expect(def).toMatchObject({ context: 'first', server: api.url, namespace: 'team-a', auth: 'token' });
      const sel = await loadKube({ context: 'second' }, { env, projectDir: dir });
      expect(sel).toMatchObject({ context: 'second', server: other.url });
      await expect(loadKube({ context: 'third' }, { env, projectDir: dir })).rejects.toThrow(
        /context third is not in .* \(contexts: first, second\)/,
      );
      // The context's namespace is the step's default.
      api.addDeployment({ name: 'web', namespace: 'team-a', image: 'repo/web:1' });
      const r = await run(
        { deployment: 'web', image: 'repo/web:2' },
        { env: { KUBECONFIG: env.KUBECONFIG } },
      );
      expect(r.status, r.summary).toBe('passed');
    } finally {
      await other.close();
    }
  });

  it('says how to get a kubeconfig when there is none', async () => {
    await expect(loadKube({}, { env: { HOME: home }, projectDir: dir })).rejects.toThrow(
      /no kubeconfig: .*\.kube\/config does not exist; run `aws eks update-kubeconfig --name <cluster>`/,
    );
  });

  it('refuses an exec plugin from a kubeconfig in the project, without running it', async () => {
    const marker = path.join(home, 'ran');
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: x',
        'clusters: [{ name: x, cluster: { server: "' + api.url + '", insecure-skip-tls-verify: true } }]',
        'contexts: [{ name: x, context: { cluster: x, user: x } }]',
        'users:',
        '- name: x',
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1beta1',
        '      command: sh',
        `      args: ["-c", "touch ${marker}; echo '{}'"]`,
        '',
      ].join('\n'),
    );
    const r = await run({ deployment: 'web', kubeconfig: 'kubeconfig' });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(
      /kubeconfig .*kubeconfig is in the project and its user x runs a program \(exec: sh\)/,
    );
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe('EKS tokens', () => {
  /** The fixture accepts an EKS token when it is a presigned GetCallerIdentity for cluster demo. */
  const acceptEks = (token: string) => {
    const url = decodeEksToken(token);
    return Boolean(
      url &&
      url.host === 'sts.eu-west-1.amazonaws.com' &&
      url.searchParams.get('Action') === 'GetCallerIdentity' &&
      url.searchParams.get('X-Amz-SignedHeaders')?.split(';').includes('x-k8s-aws-id') &&
      url.searchParams.get('X-Amz-Credential')?.startsWith('AKIDOFFLOADTEST/'),
    );
  };

  it('makes the token itself for an `aws eks get-token` kubeconfig user (nothing is spawned)', async () => {
    await api.close();
    api = await new K8sApi({ acceptToken: acceptEks }).start();
    const file = path.join(home, 'eks');
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: arn:aws:eks:eu-west-1:123456789012:cluster/demo',
        'clusters: [{ name: demo, cluster: { server: "' + api.url + '", insecure-skip-tls-verify: true } }]',
        'contexts: [{ name: "arn:aws:eks:eu-west-1:123456789012:cluster/demo", context: { cluster: demo, user: demo } }]',
        'users:',
        '- name: demo',
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1beta1',
        '      command: /nonexistent/aws',
        '      args: [--region, eu-west-1, eks, get-token, --cluster-name, demo, --output, json]',
        '',
      ].join('\n'),
    );
    api.addDeployment({ name: 'web', image: 'repo/web:1' });
    const r = await run({ deployment: 'web', image: 'repo/web:2' }, { env: { KUBECONFIG: file } });
    expect(r.status, r.summary).toBe('passed');
    expect(r.logs[0]).toContain('EKS token for demo (eu-west-1) from the AWS credential chain');
    expect(api.tokens.length).toBeGreaterThan(3);
    expect(new Set(api.tokens).size).toBe(1); // one token reused across polls
  });

  it('with eks: and no kubeconfig, finds the endpoint with DescribeCluster (SigV4-signed)', async () => {
    await api.close();
    api = await new K8sApi({ acceptToken: acceptEks }).start();
    api.addDeployment({ name: 'web', image: 'repo/web:1' });
    const r = await run(
      { deployment: 'web', image: 'repo/web:2', eks: { cluster: 'demo', region: 'eu-west-1' } },
      { env: { KUBECONFIG: '' }, sections: { aws: { endpoint: api.url } } },
    );
    expect(r.status, r.summary).toBe('passed');
    const describe = api.requests.find((q) => q.path === '/clusters/demo');
    expect(describe?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDOFFLOADTEST\/\d{8}\/eu-west-1\/eks\/aws4_request/,
    );
    const missing = await run(
      { deployment: 'web', eks: { cluster: 'nope', region: 'eu-west-1' } },
      { env: { KUBECONFIG: '' }, sections: { aws: { endpoint: api.url } } },
    );
    expect(missing.summary).toMatch(
      /EKS DescribeCluster nope: HTTP 404 .*\(no EKS cluster nope in eu-west-1\)/,
    );
  });
});
