/**
 * What a project's deploy steps put on AWS, as the cost estimate prices it (cost-estimate.ts): read from
 * offload.yml alone, so the cost view knows its scope without loading the estimate's code.
 */
/** What the deploy put on AWS, as the cost estimate needs it. */
export interface CostTargets {
  services: { cluster: string; service: string }[];
  functions: string[];
  eksClusters: { cluster: string; region?: string }[];
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/**
 * The targets named by a workflow's steps: `ecs-deploy` (cluster, service), `lambda-deploy` (function) and
 * `eks-rollout` (eks.cluster, eks.region); steps whose values are still `${{ }}` expressions are skipped.
 */
export function costTargets(steps: readonly { kind: string; spec: unknown }[]): CostTargets {
  const t: CostTargets = { services: [], functions: [], eksClusters: [] };
  const literal = (v: string | undefined) => (v && !v.includes('${{') ? v : undefined);
  for (const s of steps) {
    if (!isObj(s.spec)) continue;
    if (s.kind === 'ecs-deploy') {
      const cluster = literal(str(s.spec.cluster));
      const service = literal(str(s.spec.service));
      if (cluster && service && !t.services.some((x) => x.cluster === cluster && x.service === service))
        t.services.push({ cluster, service });
    } else if (s.kind === 'lambda-deploy') {
      const fn = literal(str(s.spec.function));
      if (fn && !t.functions.includes(fn)) t.functions.push(fn);
    } else if (s.kind === 'eks-rollout' && isObj(s.spec.eks)) {
      const cluster = literal(str(s.spec.eks.cluster));
      const region = literal(str(s.spec.eks.region));
      if (cluster && !t.eksClusters.some((x) => x.cluster === cluster && x.region === region))
        t.eksClusters.push({ cluster, ...(region ? { region } : {}) });
    }
  }
  return t;
}
