/**
 * Changing what a Deployment runs: `kubectl set image` (a strategic-merge patch of one container's image) or
 * applying a manifest file (server-side apply with field manager `offload`, conflicts forced as
 * `kubectl apply --server-side --force-conflicts` does; or replace for Deployments: PUT over the live object,
 * create when absent).
 */
import { parseAllDocuments } from 'yaml';
import type { KubeConfig, KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { readProjectText, type ProjectFileError } from '../boundary/files';
import type { KubeApis } from './rollout';
import { classifyKubeError } from './transient';

export const FIELD_MANAGER = 'offload';

type KubeModule = typeof import('@kubernetes/client-node');
const kube = (): KubeModule => require('@kubernetes/client-node') as KubeModule;

const contentType = (type: string) => {
  const { setHeaderOptions } = kube();
  return setHeaderOptions('Content-Type', type);
};

/** The objects of a manifest file (YAML, several documents, `List` kinds flattened). */
export function readManifest(file: string): KubernetesObject[] {
  let text: string;
  try {
    // A regular file of at most 16 MB, never a FIFO that blocks the step (project-named: bounded read).
    text = readProjectText(file, { maxBytes: 16 * 1024 * 1024, what: 'manifest' });
  } catch (err) {
    throw new Error(
      (err as ProjectFileError).reason === 'missing'
        ? `manifest ${file}: no such file`
        : (err as Error).message,
      { cause: err },
    );
  }
  const out: KubernetesObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`manifest ${file}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as (KubernetesObject & { items?: KubernetesObject[] }) | null;
    if (!obj) continue;
    if (typeof obj !== 'object' || !obj.kind || !obj.apiVersion)
      throw new Error(`manifest ${file}: a document without kind and apiVersion`);
    if (obj.kind.endsWith('List') && Array.isArray(obj.items)) out.push(...obj.items);
    else out.push(obj);
  }
  if (!out.length) throw new Error(`manifest ${file} holds no objects`);
  return out;
}

/** `kubectl set image deployment/<name> <container>=<image>`; returns the container changed and its old image. */
export async function setImage(
  apis: KubeApis,
  d: V1Deployment,
  container: string | undefined,
  image: string,
): Promise<{ container: string; previousImage?: string; changed: boolean }> {
  const containers = d.spec?.template?.spec?.containers ?? [];
  const name = d.metadata!.name!;
  const target = container ?? (containers.length === 1 ? containers[0]!.name : undefined);
  if (!target)
    throw new Error(
      `deployment ${name} has ${containers.length} containers (${containers.map((c) => c.name).join(', ')}): name one with container:`,
    );
  const current = containers.find((c) => c.name === target);
  if (!current)
    throw new Error(
      `deployment ${name} has no container ${target} (containers: ${containers.map((c) => c.name).join(', ')})`,
    );
  if (current.image === image) return { container: target, previousImage: current.image, changed: false };
  const { PatchStrategy } = kube();
  await apis.apps.patchNamespacedDeployment(
    {
      name,
      namespace: d.metadata!.namespace ?? 'default',
      fieldManager: FIELD_MANAGER,
      body: { spec: { template: { spec: { containers: [{ name: target, image }] } } } },
    },
    contentType(PatchStrategy.StrategicMergePatch),
  );
  return { container: target, ...(current.image ? { previousImage: current.image } : {}), changed: true };
}

/** One applied object, for the log. */
export interface Applied {
  kind: string;
  name: string;
  namespace?: string;
  /** "configured" / "created" / "unchanged" as far as the API's answer tells. */
  result: string;
}

/** Applies every object of the manifest; Deployments through AppsV1 (the fast, typed path). */
export async function applyManifest(
  kc: KubeConfig,
  apis: KubeApis,
  objects: KubernetesObject[],
  opts: { namespace: string; mode: 'server-side' | 'replace' },
): Promise<Applied[]> {
  const { PatchStrategy, KubernetesObjectApi } = kube();
  const out: Applied[] = [];
  let generic: InstanceType<KubeModule['KubernetesObjectApi']> | undefined;
  for (const raw of objects) {
    const obj = { ...raw, metadata: { ...raw.metadata } } as KubernetesObject;
    const name = obj.metadata?.name;
    if (!name) throw new Error(`manifest: a ${obj.kind} without metadata.name`);
    const isDeployment = obj.kind === 'Deployment' && obj.apiVersion === 'apps/v1';
    if (isDeployment) obj.metadata!.namespace ??= opts.namespace;
    const namespace = obj.metadata!.namespace;
    if (isDeployment) {
      const before = await apis.apps
        .readNamespacedDeployment({ name, namespace: namespace! })
        .catch((err: { code?: number }) => {
          if (err?.code === 404) return undefined;
          throw err;
        });
      let after: V1Deployment;
      if (opts.mode === 'replace') {
        after = before
          ? await apis.apps.replaceNamespacedDeployment({
              name,
              namespace: namespace!,
              fieldManager: FIELD_MANAGER,
              body: {
                ...(obj as V1Deployment),
                metadata: { ...obj.metadata, resourceVersion: before.metadata?.resourceVersion },
              },
            })
          : await apis.apps.createNamespacedDeployment({
              namespace: namespace!,
              fieldManager: FIELD_MANAGER,
              body: obj as V1Deployment,
            });
      } else {
        after = await apis.apps.patchNamespacedDeployment(
          { name, namespace: namespace!, fieldManager: FIELD_MANAGER, force: true, body: obj },
          contentType(PatchStrategy.ServerSideApply),
        );
      }
      const result = !before
        ? 'created'
        : before.metadata?.generation === after.metadata?.generation
          ? 'unchanged'
          : 'configured';
      out.push({ kind: obj.kind!, name, ...(namespace ? { namespace } : {}), result });
      continue;
    }
    if (!generic) {
      generic = KubernetesObjectApi.makeApiClient(kc);
      // The client fills a namespaced kind's missing namespace (and leaves cluster-scoped kinds alone, as
      // discovery tells it) from this default: the step's namespace, not the context's.
      (generic as unknown as { defaultNamespace: string }).defaultNamespace = opts.namespace;
    }
    const applied = await generic.patch(
      obj,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
    const ns = applied?.metadata?.namespace ?? obj.metadata!.namespace;
    out.push({ kind: obj.kind!, name, ...(ns ? { namespace: ns } : {}), result: 'applied' });
  }
  return out;
}

/** Explains a Kubernetes API error in one line with the fix where there is one. */
export function explainKubeError(err: unknown, what: string, server?: string): string {
  const e = err as {
    code?: number;
    body?: unknown;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (typeof e?.code === 'number') {
    let message: string | undefined;
    let reason: string | undefined;
    try {
      const body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as {
        message?: string;
        reason?: string;
      };
      message = body?.message;
      reason = body?.reason;
    } catch {
      message = typeof e.body === 'string' ? e.body.slice(0, 300) : undefined;
    }
    // Some answers (401) come without a body: the client's own "Message:" line says what it was.
    if (!message && !reason) reason = e.message?.match(/^Message: (.+)$/m)?.[1];
    const base = `${what}: HTTP ${e.code}${reason ? ` ${reason}` : ''}${message ? ` — ${message}` : ''}`;
    if (e.code === 401)
      return `${base} (the API server rejected the credentials; for EKS the IAM identity needs an access entry or an aws-auth mapping in the cluster)`;
    if (e.code === 403) return `${base} (RBAC: the user needs that verb on that resource in the namespace)`;
    return base;
  }
  const network = (c: unknown) =>
    typeof c === 'string' && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EHOSTUNREACH)$/.test(c);
  const text = e?.message ?? String(err);
  if (
    network(e?.cause?.code) ||
    network((e as { code?: string })?.code) ||
    /ECONNREFUSED|ENOTFOUND/.test(text)
  ) {
    const refusedHere = classifyKubeError(err, server) === 'local-refused';
    return `${what}: cannot reach the API server${server ? ` at ${server}` : ''} (${e?.cause?.message ?? text})${refusedHere ? ': nothing listens on that port of this machine, so this is not a blip to wait out. Fix: start the local cluster (kind, minikube, or the tunnel to it), or correct the server in your kubeconfig' : ''}`;
  }
  return `${what}: ${text}`;
}
