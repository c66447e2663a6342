/**
 * Which cluster a step talks to, read as kubectl reads it: an explicit `kubeconfig:` file (or list), else the
 * KUBECONFIG list, else ~/.kube/config; files merged first-wins (the first file that sets current-context
 * decides it, the first definition of a name wins, missing files in KUBECONFIG are skipped); the step's
 * `context:` overrides current-context. Parsing, relative paths and TLS are @kubernetes/client-node's.
 *
 * EKS: with `eks: { cluster, region }` (alone: endpoint and CA from DescribeCluster; with a context: that
 * context's server) or with a kubeconfig user whose exec plugin is `aws eks get-token` or
 * `aws-iam-authenticator token`, the bearer token is made in-process from the AWS credential chain (see
 * eks-token.ts) and renewed before it expires: no `aws` CLI needed, nothing spawned.
 *
 * Exec plugins: any other `exec` user is run by the client as kubectl would, but only when it comes from a
 * kubeconfig outside the project folder (the user's own). A kubeconfig inside the project that asks to run a
 * program is refused: the project's files are not part of what the user trusted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { eksToken, resolveAwsCredentials, type EksToken } from './eks-token';
import { describeEksCluster } from './eks-cluster';
import { stepEffects, type ProjectEffects } from '../boundary';
import { isWithin, realpathOrSelf } from '../boundary/project-paths';

/** `eks:` of the step. */
export interface EksTarget {
  cluster: string;
  region?: string;
  profile?: string;
}

/** How to reach the cluster: the step's keys that select it. */
export interface KubeTarget {
  kubeconfig?: string | string[];
  context?: string;
  eks?: EksTarget;
}

export interface KubeEnv {
  env: NodeJS.ProcessEnv;
  projectDir: string;
  /** Defaults from offload.yml's `aws:` (profile, region, endpoint for DescribeCluster). */
  aws?: { profile?: string; region?: string; endpoint?: string };
  /** The project's effects (the boundary) the EKS API request goes through; absent: a step's (trusted). */
  effects?: ProjectEffects;
}

/** A loaded, ready client configuration and words for the log. */
export interface LoadedKube {
  kc: KubeConfig;
  context: string;
  server: string;
  namespace?: string;
  /** How requests authenticate ("EKS token for demo (eu-west-1)", "token", "client certificate", "exec aws"). */
  auth: string;
}

/** A user whose token Offload makes (an authProvider no built-in authenticator claims). */
const EKS_PROVIDER = 'offload-eks';

type KubeModule = typeof import('@kubernetes/client-node');
const kube = (): KubeModule => require('@kubernetes/client-node') as KubeModule;

/** A plain error for a kubeconfig problem (the step shows it as the cause). */
export class KubeConfigError extends Error {}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** The kubeconfig files in the order kubectl reads them; `explicit` files must exist. */
export function kubeconfigFiles(target: KubeTarget, ke: KubeEnv): { files: string[]; source: string } {
  if (target.kubeconfig !== undefined) {
    const list = Array.isArray(target.kubeconfig) ? target.kubeconfig : [target.kubeconfig];
    const files = list.map((f) => path.resolve(ke.projectDir, f.replace(/^~(?=$|[\\/])/, homeDir(ke.env))));
    for (const f of files) if (!fs.existsSync(f)) throw new KubeConfigError(`kubeconfig ${f} does not exist`);
    return { files, source: 'kubeconfig:' };
  }
  const fromEnv = ke.env.KUBECONFIG?.split(path.delimiter).filter(Boolean);
  if (fromEnv?.length) {
    const files = fromEnv.map((f) => path.resolve(f)).filter((f) => fs.existsSync(f));
    return { files, source: `KUBECONFIG (${fromEnv.join(path.delimiter)})` };
  }
  const home = path.join(homeDir(ke.env), '.kube', 'config');
  return { files: fs.existsSync(home) ? [home] : [], source: home };
}

interface Merged {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
  /** The file each user came from (exec plugins are allowed only outside the project). */
  userFile: Map<string, string>;
}

/** kubectl's merge: first wins for current-context and for every named entry. */
function mergeFiles(files: string[]): Merged {
  const { KubeConfig } = kube();
  const m: Merged = { clusters: [], users: [], contexts: [], currentContext: '', userFile: new Map() };
  for (const file of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new KubeConfigError(`kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (!m.currentContext && kc.currentContext) m.currentContext = kc.currentContext;
    for (const c of kc.clusters ?? []) if (!m.clusters.some((x) => x.name === c.name)) m.clusters.push(c);
    for (const c of kc.contexts ?? []) if (!m.contexts.some((x) => x.name === c.name)) m.contexts.push(c);
    for (const u of kc.users ?? [])
      if (!m.users.some((x) => x.name === u.name)) {
        m.users.push(u);
        m.userFile.set(u.name, file);
      }
  }
  return m;
}

interface ExecSpec {
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
}

/** The EKS cluster of an `aws eks get-token` / `aws-iam-authenticator token` exec plugin without a role to assume. */
export function eksFromExec(exec: ExecSpec | undefined): EksTarget | undefined {
  if (!exec?.command) return undefined;
  const args = exec.args ?? [];
  const base = path.basename(exec.command).replace(/\.exe$/i, '');
  const opt = (...names: string[]) => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      for (const n of names) {
        if (a === n) return args[i + 1];
        if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
      }
    }
    return undefined;
  };
  const env = Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value]));
  let cluster: string | undefined;
  if (base === 'aws' && args.includes('eks') && args.includes('get-token')) {
    if (opt('--role-arn')) return undefined;
    cluster = opt('--cluster-name', '--cluster-id');
  } else if (base === 'aws-iam-authenticator' && args.includes('token')) {
    if (opt('-r', '--role')) return undefined;
    cluster = opt('-i', '--cluster-id');
  }
  if (!cluster) return undefined;
  const region = opt('--region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const profile = opt('--profile') ?? env.AWS_PROFILE;
  return { cluster, ...(region ? { region } : {}), ...(profile ? { profile } : {}) };
}

/** Whether `file`, links followed, is in the folder `dir`. */
const isInside = (dir: string, file: string): boolean =>
  isWithin(realpathOrSelf(path.resolve(dir)), realpathOrSelf(path.resolve(file)));

/** Makes EKS tokens for one cluster, reusing each until shortly before it expires. */
function eksTokenSource(eks: EksTarget, ke: KubeEnv): { region: string; get(): Promise<string> } {
  const region =
    eks.region ?? ke.aws?.region ?? (ke.env.AWS_REGION || ke.env.AWS_DEFAULT_REGION || undefined);
  if (!region)
    throw new KubeConfigError(
      `EKS cluster ${eks.cluster}: no region (give eks.region, aws.region or AWS_REGION)`,
    );
  const profile = eks.profile ?? ke.aws?.profile;
  let current: EksToken | undefined;
  return {
    region,
    async get() {
      if (!current || current.expiresAt.getTime() <= Date.now()) {
        const credentials = await resolveAwsCredentials(ke.env, profile);
        current = await eksToken({ cluster: eks.cluster, region, credentials });
      }
      return current.token;
    },
  };
}

/** Loads the configuration for the step's target; throws KubeConfigError with the fix when it cannot. */
export async function loadKube(target: KubeTarget, ke: KubeEnv): Promise<LoadedKube> {
  const { KubeConfig } = kube();
  const { files, source } = kubeconfigFiles(target, ke);
  const m = mergeFiles(files);
  const sources = new Map<string, EksTarget>();
  let contextName = target.context ?? m.currentContext;

  if (target.eks && !target.context && (!files.length || !contextName)) {
    // No kubeconfig to lean on: the cluster's endpoint and CA from the EKS API.
    const tokens = eksTokenSource(target.eks, ke);
    const info = await describeEksCluster(target.eks.cluster, {
      region: tokens.region,
      env: ke.env,
      profile: target.eks.profile ?? ke.aws?.profile,
      endpoint: ke.aws?.endpoint,
      effects: ke.effects ?? stepEffects({}),
    });
    contextName = `eks:${target.eks.cluster}`;
    m.clusters = [
      {
        name: contextName,
        server: info.endpoint,
        caData: info.caData,
        // EKS endpoints are https and verified against the cluster CA; only a local stand-in (an endpoint
        // override) answers plain http, which has no TLS to verify and which the client refuses otherwise.
        skipTLSVerify: info.endpoint.startsWith('http://'),
      },
    ];
    m.users = [{ name: contextName }];
    m.contexts = [{ name: contextName, cluster: contextName, user: contextName }];
    sources.set(contextName, target.eks);
  }
  if (!contextName) {
    if (!files.length)
      throw new KubeConfigError(
        `no kubeconfig: ${source} ${target.kubeconfig === undefined && !ke.env.KUBECONFIG ? 'does not exist' : 'names no existing file'}; run \`aws eks update-kubeconfig --name <cluster>\` or give eks: { cluster, region }`,
      );
    throw new KubeConfigError(
      `no current context in ${files.join(', ')}: give context: (one of ${m.contexts.map((c) => c.name).join(', ') || 'none'})`,
    );
  }
  const ctx = m.contexts.find((c) => c.name === contextName);
  if (!ctx)
    throw new KubeConfigError(
      `context ${contextName} is not in ${files.join(', ') || source} (contexts: ${m.contexts.map((c) => c.name).join(', ') || 'none'})`,
    );
  const cluster = m.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster)
    throw new KubeConfigError(`context ${contextName} names cluster ${ctx.cluster}, which is not defined`);
  let user = m.users.find((u) => u.name === ctx.user);
  if (!user) throw new KubeConfigError(`context ${contextName} names user ${ctx.user}, which is not defined`);

  const eks = sources.get(contextName) ?? target.eks ?? eksFromExec(user.exec as ExecSpec | undefined);
  let auth: string;
  const kc = new KubeConfig();
  if (eks) {
    const tokens = eksTokenSource(eks, ke);
    user = { name: user.name, authProvider: { name: EKS_PROVIDER, config: {} } };
    kc.addAuthenticator({
      isAuthProvider: (u: User) => (u.authProvider as { name?: string } | undefined)?.name === EKS_PROVIDER,
      async applyAuthentication(_u, opts) {
        const token = await tokens.get();
        opts.headers = { ...(opts.headers ?? {}), Authorization: `Bearer ${token}` };
      },
    });
    auth = `EKS token for ${eks.cluster} (${tokens.region}) from the AWS credential chain`;
  } else if (user.exec) {
    const file = m.userFile.get(user.name) ?? '';
    if (isInside(ke.projectDir, file))
      throw new KubeConfigError(
        `kubeconfig ${file} is in the project and its user ${user.name} runs a program (exec: ${(user.exec as ExecSpec).command}); Offload runs kubeconfig exec plugins only from your own kubeconfig (KUBECONFIG or ~/.kube/config)`,
      );
    auth = `exec ${(user.exec as ExecSpec).command ?? ''}`.trim();
  } else if (user.token) auth = 'token';
  else if (user.certData || user.certFile) auth = 'client certificate';
  else if (user.username) auth = 'basic auth';
  else auth = user.authProvider ? `auth provider ${(user.authProvider as { name?: string }).name}` : 'none';
  kc.loadFromOptions({
    clusters: m.clusters,
    users: m.users.map((u) => (u.name === user.name ? user : u)),
    contexts: m.contexts,
    currentContext: contextName,
  });
  return {
    kc,
    context: contextName,
    server: cluster.server,
    ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
    auth,
  };
}
