/**
 * What an `eks-rollout` step does when it runs (eks-rollout.ts declares the kind): loaded with the Kubernetes
 * client only by a run that reaches such a step.
 */
import path from 'node:path';
import type { ResolvedStep, StepContext, StepResult } from '../vocabulary';
import { rolloutSpecProblems, type EksRolloutSpec } from './eks-rollout';
import { durationMs } from '../units';
import { parseAwsConfig } from '../aws/config';
import { sleep } from '../aws/step-support';
import { stepEffects } from '../boundary';
import { applyManifest, explainKubeError, readManifest, setImage } from './apply';
import { KubeConfigError, loadKube, type LoadedKube } from './kubeconfig';
import { AwsOutagePastBudget, type AwsOutageRider } from '../aws/ride-out';
import { kubeOutageRider } from './transient';
import {
  lastLogLines,
  newReplicaSet,
  podProblem,
  rolloutPods,
  rolloutStatus,
  schedulingMessage,
  selectorString,
  type KubeApis,
  type PodProblem,
} from './rollout';
import {
  manifestTargets,
  ProblemAges,
  problemLine,
  rolloutFailureSummary,
  rolloutPassed,
  rolloutTimeoutSummary,
  undoCommand,
  type Watched,
} from './rollout-verdict';

type KubeModule = typeof import('@kubernetes/client-node');

/** The failing pods in words: reason, image, restarts, exit code, and a crashing one's last log lines. */
async function failingDetails(
  apis: KubeApis,
  namespace: string,
  problems: PodProblem[],
  logLines: number,
): Promise<string[]> {
  const lines: string[] = [];
  for (const p of problems) {
    let message = p.message;
    if (p.reason === 'Unschedulable') {
      const sched = await schedulingMessage(apis, namespace, p.pod).catch(() => undefined);
      if (sched) message = sched;
    }
    const extra = [
      p.image &&
      (p.reason === 'ImagePullBackOff' || p.reason === 'ErrImagePull' || p.reason === 'InvalidImageName')
        ? `image ${p.image}`
        : undefined,
      p.restarts !== undefined ? `${p.restarts} restart${p.restarts === 1 ? '' : 's'}` : undefined,
      p.exitCode !== undefined ? `last exit code ${p.exitCode}` : undefined,
    ].filter(Boolean);
    lines.push(
      `pod ${p.pod}${p.container ? ` (container ${p.container})` : ''}: ${p.reason} — ${message}${extra.length ? ` [${extra.join(', ')}]` : ''}`,
    );
    if (p.reason === 'CrashLoopBackOff' || p.restarts) {
      try {
        const log = await lastLogLines(apis, namespace, p, logLines);
        lines.push(
          `  last ${log.length} log line${log.length === 1 ? '' : 's'} of ${p.pod}:`,
          ...log.map((l) => `  | ${l}`),
        );
      } catch (err) {
        lines.push(`  (its log could not be read: ${explainKubeError(err, 'pod log')})`);
      }
    }
  }
  return lines;
}
function failed(ctx: StepContext, summary: string, lines: string[], record: unknown): StepResult {
  for (const l of lines) ctx.log(l, 'stderr');
  ctx.record('eks-rollout', record);
  return { status: 'failed', summary };
}

/** What the step is doing, for the words of an error ("read deployment/web"), and the server it talks to. */
interface Progress {
  what: string;
  server?: string;
}

/** A connected cluster: its kubeconfig, its APIs and the namespace the step works in. */
interface Cluster {
  kube: LoadedKube;
  apis: KubeApis;
  namespace: string;
}

/** The step's timings and limits, read from its spec. */
interface WatchOptions {
  timeoutMs: number;
  intervalMs: number;
  graceMs: number;
  logLines: number;
}

/** Loads the kubeconfig (or makes an EKS one) and logs where the step works. */
async function connect(ctx: StepContext, spec: EksRolloutSpec, progress: Progress): Promise<Cluster> {
  const aws = ctx.services.config?.aws ?? parseAwsConfig(undefined);
  const kube = await loadKube(
    {
      ...(spec.kubeconfig === undefined ? {} : { kubeconfig: spec.kubeconfig }),
      ...(spec.context ? { context: spec.context } : {}),
      ...(spec.eks ? { eks: spec.eks } : {}),
    },
    {
      env: { ...process.env, ...ctx.env },
      projectDir: ctx.projectDir,
      effects: stepEffects(ctx.services),
      aws: {
        ...(aws.profile ? { profile: aws.profile } : {}),
        ...(aws.region ? { region: aws.region } : {}),
        ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
      },
    },
  );
  progress.server = kube.server;
  const namespace = spec.namespace ?? kube.namespace ?? 'default';
  ctx.log(`context ${kube.context} (${kube.server}), ${kube.auth}; namespace ${namespace}`, 'info');
  const k = require('@kubernetes/client-node') as KubeModule;
  return {
    kube,
    namespace,
    apis: { apps: kube.kc.makeApiClient(k.AppsV1Api), core: kube.kc.makeApiClient(k.CoreV1Api) },
  };
}

/** Applies the manifest; the Deployments to wait for, or the step's result when it ends here. */
async function applyStep(
  ctx: StepContext,
  spec: EksRolloutSpec & { manifest: string },
  c: Cluster,
  progress: Progress,
): Promise<string[] | StepResult> {
  progress.what = `apply ${spec.manifest}`;
  const objects = readManifest(path.resolve(ctx.cwd, spec.manifest));
  const applied = await applyManifest(c.kube.kc, c.apis, objects, {
    namespace: c.namespace,
    mode: spec.apply ?? 'server-side',
  });
  for (const a of applied)
    ctx.log(`${a.kind.toLowerCase()}/${a.name}${a.namespace ? ` (${a.namespace})` : ''} ${a.result}`, 'info');
  const deployments = applied.filter((a) => a.kind === 'Deployment').map((a) => a.name);
  const picked = manifestTargets(spec, deployments);
  if ('failure' in picked) return { status: 'failed', summary: picked.failure };
  if (!picked.targets.length) {
    ctx.record('eks-rollout', { applied });
    return { status: 'passed', summary: `applied ${applied.length} object(s); no Deployment to wait for` };
  }
  return picked.targets;
}

/** Sets `image` on deployment/`name` as `kubectl set image` does; returns the image it replaced. */
async function setImageStep(
  ctx: StepContext,
  spec: EksRolloutSpec & { image: string },
  c: Cluster,
  name: string,
  progress: Progress,
): Promise<string | undefined> {
  progress.what = `set image of deployment/${name}`;
  const d = await c.apis.apps.readNamespacedDeployment({ name, namespace: c.namespace });
  const r = await setImage(c.apis, d, spec.container, spec.image);
  ctx.log(
    r.changed
      ? `deployment/${name} container ${r.container}: ${r.previousImage ?? '(none)'} -> ${spec.image}`
      : `deployment/${name} container ${r.container} already runs ${spec.image}: checking its rollout`,
    'info',
  );
  return r.previousImage;
}

/** Reads one Deployment and its new pods once: the pods' problems, and the step's failure when it fails now. */
async function pollDeployment(
  ctx: StepContext,
  c: Cluster,
  w: Watched,
  o: WatchOptions,
  seen: { ages: ProblemAges; reported: Map<string, string>; rider: AwsOutageRider },
  progress: Progress,
): Promise<{ problems: PodProblem[]; failure?: StepResult }> {
  const { apis, namespace } = c;
  progress.what = `read deployment/${w.name}`;
  const d = await seen.rider.call(() => apis.apps.readNamespacedDeployment({ name: w.name, namespace }));
  const st = rolloutStatus(d);
  if (st.message !== w.lastMessage) ctx.log(st.message, 'info');
  w.lastMessage = st.message;
  if (st.state === 'complete') {
    w.done = d;
    return { problems: [] };
  }
  progress.what = `list the pods of deployment/${w.name}`;
  const sets = await seen.rider.call(() =>
    apis.apps.listNamespacedReplicaSet({ namespace, labelSelector: selectorString(d.spec?.selector) }),
  );
  const pods = await seen.rider.call(() => rolloutPods(apis, d, newReplicaSet(d, sets.items)));
  const now = Date.now();
  const problems = pods.flatMap((p) => podProblem(p) ?? []);
  for (const p of problems) {
    const line = problemLine(p);
    if (seen.reported.get(p.pod) !== line) ctx.log(line, 'info');
    seen.reported.set(p.pod, line);
  }
  const persistent = seen.ages.update(problems, now, o.graceMs);
  if (st.state !== 'deadline-exceeded' && !persistent.length) return { problems };
  const shown = st.state === 'deadline-exceeded' ? problems : persistent;
  const details = await failingDetails(apis, namespace, shown, o.logLines);
  const undo = undoCommand(w.name, namespace, c.kube.context);
  const summary = rolloutFailureSummary({
    deployment: w.name,
    status: st,
    shown,
    firstAgeMs: shown[0] ? seen.ages.ageOf(shown[0], now) : 0,
    undo,
  });
  return {
    problems,
    failure: failed(ctx, summary, [...details, `to go back to the previous revision: ${undo}`], {
      result: 'failed',
      deployment: w.name,
      status: st,
      problems: shown,
      details,
    }),
  };
}

/** Polls the Deployments until each has rolled out (returns them), one fails or the time is up (its result). */
async function watchRollouts(
  ctx: StepContext,
  c: Cluster,
  targets: string[],
  o: WatchOptions,
  progress: Progress,
): Promise<Watched[] | StepResult> {
  const watched: Watched[] = targets.map((name) => ({ name }));
  const deadline = Date.now() + o.timeoutMs;
  // 429s, 5xx and connection blips of the API server are waited out within the budget, not a failure.
  const rider = kubeOutageRider({
    server: progress.server,
    deadline,
    signal: ctx.signal,
    log: (l) => ctx.log(l, 'stderr'),
    baseMs: Math.min(500, o.intervalMs),
    capMs: Math.max(o.intervalMs, 1000),
  });
  const seen = { ages: new ProblemAges(), reported: new Map<string, string>(), rider };
  for (;;) {
    const lastProblems: PodProblem[] = [];
    for (const w of watched.filter((x) => !x.done)) {
      const r = await pollDeployment(ctx, c, w, o, seen, progress);
      lastProblems.push(...r.problems);
      if (r.failure) return r.failure;
    }
    if (watched.every((w) => w.done)) return watched;
    if (Date.now() + o.intervalMs > deadline) {
      const open = watched.filter((w) => !w.done);
      const details = await failingDetails(c.apis, c.namespace, lastProblems, o.logLines);
      return failed(
        ctx,
        rolloutTimeoutSummary(open, lastProblems, o.timeoutMs),
        [...open.map((w) => `deployment/${w.name}: ${w.lastMessage}`), ...details],
        {
          result: 'timeout',
          deployments: open.map((w) => ({ name: w.name, status: w.lastMessage })),
          details,
        },
      );
    }
    await sleep(o.intervalMs, ctx.signal);
  }
}

/** Publishes a finished rollout: outputs, the journal record and the summary. */
function passed(
  ctx: StepContext,
  watched: Watched[],
  spec: EksRolloutSpec,
  previousImage?: string,
): StepResult {
  const r = rolloutPassed(watched, spec.container);
  ctx.setOutput('revision', r.revision);
  if (r.image) ctx.setOutput('image', r.image);
  ctx.setOutput('readyReplicas', r.ready);
  if (previousImage) ctx.setOutput('previousImage', previousImage);
  ctx.record('eks-rollout', { result: 'passed', deployments: r.deployments });
  return {
    status: 'passed',
    summary: r.summary,
    outputs: { revision: r.revision, readyReplicas: r.ready, ...(r.image ? { image: r.image } : {}) },
  };
}

/** What an `eks-rollout` spec asks that cannot be done, before anything is sent (empty: none). */
/** Connects, applies or sets the image, waits for the rollout and publishes its outputs. */
export async function executeEksRollout(
  ctx: StepContext,
  step: ResolvedStep<EksRolloutSpec>,
): Promise<StepResult> {
  const spec = step.spec;
  const o: WatchOptions = {
    timeoutMs: durationMs(spec.timeout, 600_000, 'timeout'),
    intervalMs: durationMs(spec.interval, 2_000, 'interval'),
    graceMs: durationMs(spec['failure-grace'], 30_000, 'failure-grace'),
    logLines: spec['log-lines'] ?? 20,
  };
  const refused = rolloutSpecProblems(spec);
  if (refused.length) return { status: 'failed', summary: refused.join('; ') };
  const progress: Progress = { what: 'connect' };
  try {
    const c = await connect(ctx, spec, progress);
    const targets = spec.manifest
      ? await applyStep(ctx, { ...spec, manifest: spec.manifest }, c, progress)
      : [spec.deployment!];
    if (!Array.isArray(targets)) return targets;
    const previousImage = spec.image
      ? await setImageStep(ctx, { ...spec, image: spec.image }, c, spec.deployment ?? targets[0]!, progress)
      : undefined;
    const watched = await watchRollouts(ctx, c, targets, o, progress);
    if (!Array.isArray(watched)) return watched;
    return passed(ctx, watched, spec, previousImage);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof KubeConfigError) return { status: 'failed', summary: err.message };
    if (err instanceof AwsOutagePastBudget)
      return {
        status: 'failed',
        summary: `${err.message}: ${explainKubeError(err.last, progress.what, progress.server)}. The rollout goes on in the cluster: follow it with \`kubectl rollout status\`, or give the step a longer timeout`,
      };
    return { status: 'failed', summary: explainKubeError(err, progress.what, progress.server) };
  }
}
