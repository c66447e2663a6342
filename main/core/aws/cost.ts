/**
 * What AWS costs for what the last deploy put there, as pure functions: the AWS Price List API's GetProducts
 * answers read into unit prices (each PriceList item is a JSON *string* holding `product.attributes` and
 * `terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD`; see test/fixtures/aws-endpoint/pricing.ts
 * for the captured shape), and the hourly estimate for ECS Fargate tasks (vCPU and memory from the task
 * definition), Lambda functions (GB-seconds and requests from CloudWatch), EC2 instances behind an ECS cluster
 * and EKS clusters (the cluster fee and node groups' instance types, Linux on-demand shared tenancy, GPU types
 * included). A price that is not known is never guessed: the estimate says "unknown" and why.
 */

/** One OnDemand price dimension of a Price List product. */
export interface PriceDimension {
  usagetype: string;
  regionCode?: string;
  unit: string;
  usd: number;
  /** Tier start in the unit (Lambda's GB-seconds are tiered); 0 for untiered prices. */
  beginRange: number;
  /** AmazonEC2 products: the instance type ("g5.xlarge"). */
  instanceType?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Reads GetProducts' PriceList (JSON strings) into OnDemand price dimensions; malformed items are skipped. */
export function parsePriceList(priceList: readonly string[]): PriceDimension[] {
  const out: PriceDimension[] = [];
  for (const text of priceList) {
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch {
      continue;
    }
    if (!isObj(item) || !isObj(item.product) || !isObj(item.terms)) continue;
    const attrs = isObj(item.product.attributes) ? item.product.attributes : {};
    if (typeof attrs.usagetype !== 'string') continue;
    const onDemand = isObj(item.terms.OnDemand) ? item.terms.OnDemand : {};
    for (const offer of Object.values(onDemand)) {
      if (!isObj(offer) || !isObj(offer.priceDimensions)) continue;
      for (const dim of Object.values(offer.priceDimensions)) {
        if (!isObj(dim) || !isObj(dim.pricePerUnit)) continue;
        const usd = Number(dim.pricePerUnit.USD);
        if (typeof dim.pricePerUnit.USD !== 'string' || !Number.isFinite(usd)) continue;
        out.push({
          usagetype: attrs.usagetype,
          ...(typeof attrs.regionCode === 'string' ? { regionCode: attrs.regionCode } : {}),
          unit: typeof dim.unit === 'string' ? dim.unit : '',
          usd,
          beginRange: Number(dim.beginRange ?? 0) || 0,
          ...(typeof attrs.instanceType === 'string' ? { instanceType: attrs.instanceType } : {}),
        });
      }
    }
  }
  return out;
}

/** The unit prices the estimate uses, per region (USD); absent: not found in the Price List. */
export interface UnitPrices {
  region: string;
  fargateVcpuHour?: number;
  fargateGbHour?: number;
  fargateArmVcpuHour?: number;
  fargateArmGbHour?: number;
  /** First tier (the tier a dev deployment stays in). */
  lambdaGbSecond?: number;
  lambdaRequest?: number;
  lambdaArmGbSecond?: number;
  lambdaArmRequest?: number;
  /** AmazonEKS: the fee per cluster-hour (standard support). */
  eksClusterHour?: number;
  /** AmazonEC2 Linux on-demand (shared tenancy, no pre-installed software) per instance-hour, by instance type. */
  ec2Hour?: Record<string, number>;
}

/** The usage type without its region prefix ("USE1-Fargate-GB-Hours" → "Fargate-GB-Hours"). */
const bare = (usagetype: string) => usagetype.replace(/^[A-Z]{2,4}\d?-/, '');

/** The first-tier price of a usage type in the region, or undefined. */
function priceOf(dims: readonly PriceDimension[], region: string, usagetype: string): number | undefined {
  const found = dims
    .filter((d) => (d.regionCode ?? region) === region && bare(d.usagetype) === usagetype)
    .sort((a, b) => a.beginRange - b.beginRange);
  return found[0]?.usd;
}

/** The unit prices found in GetProducts answers for AmazonECS, AWSLambda and AmazonEKS in `region`. */
export function unitPrices(dims: readonly PriceDimension[], region: string): UnitPrices {
  const p = (u: string) => priceOf(dims, region, u);
  const prices: UnitPrices = {
    region,
    fargateVcpuHour: p('Fargate-vCPU-Hours:perCPU'),
    fargateGbHour: p('Fargate-GB-Hours'),
    fargateArmVcpuHour: p('Fargate-ARM-vCPU-Hours:perCPU'),
    fargateArmGbHour: p('Fargate-ARM-GB-Hours'),
    lambdaGbSecond: p('Lambda-GB-Second'),
    lambdaRequest: p('Request'),
    lambdaArmGbSecond: p('Lambda-GB-Second-ARM'),
    lambdaArmRequest: p('Request-ARM'),
    eksClusterHour: p('AmazonEKS-Hours:perCluster'),
  };
  for (const k of Object.keys(prices) as (keyof UnitPrices)[]) if (prices[k] === undefined) delete prices[k];
  return prices;
}

/** What a cost line is for. */
export type CostKind = 'fargate' | 'lambda' | 'ec2' | 'eks';

/** One line of the estimate: a known hourly cost, or "unknown" with why. */
export type CostItem = { name: string; kind: CostKind } & (
  { usdPerHour: number; basis: string } | { unknown: string }
);

/** An ECS service on Fargate: its task definition's size and how many tasks run. */
export interface FargateUsage {
  name: string;
  /** Task-level CPU units (1024 = 1 vCPU) and memory in MiB, as the task definition says. */
  cpuUnits: number;
  memoryMiB: number;
  tasks: number;
  arch?: 'x86_64' | 'arm64';
  /** Set when the service does not run on Fargate (an EC2 capacity provider): not estimated here. */
  notFargate?: string;
  /** Where a service not on Fargate runs: priced as its cluster's instances (ecsEc2Usage) instead. */
  onEc2?: { cluster: string; service: string; providers: string[] };
}

/** Fargate: tasks × (vCPU × vCPU-hour price + GB × GB-hour price). */
export function fargateCost(u: FargateUsage, prices: UnitPrices): CostItem {
  const base = { name: u.name, kind: 'fargate' as const };
  if (u.notFargate) return { ...base, unknown: u.notFargate };
  const arm = u.arch === 'arm64';
  const vcpu = arm ? prices.fargateArmVcpuHour : prices.fargateVcpuHour;
  const gb = arm ? prices.fargateArmGbHour : prices.fargateGbHour;
  if (vcpu === undefined || gb === undefined)
    return {
      ...base,
      unknown: `no Fargate ${arm ? 'ARM ' : ''}${vcpu === undefined ? 'vCPU-hour' : 'GB-hour'} price for ${prices.region} in the Price List`,
    };
  if (!(u.cpuUnits > 0) || !(u.memoryMiB > 0))
    return { ...base, unknown: 'the task definition sets no task-level cpu/memory' };
  const v = u.cpuUnits / 1024;
  const g = u.memoryMiB / 1024;
  return {
    ...base,
    usdPerHour: u.tasks * (v * vcpu + g * gb),
    basis: `${u.tasks} task${u.tasks === 1 ? '' : 's'} × (${v} vCPU, ${g} GB)`,
  };
}

/** A Lambda function's use over a measured period (CloudWatch Invocations and Duration sums). */
export interface LambdaUsage {
  name: string;
  memoryMiB: number;
  invocations: number;
  durationMsSum: number;
  periodHours: number;
  arch?: 'x86_64' | 'arm64';
}

/** Lambda: (GB-seconds × GB-second price + requests × request price) per hour of the measured period. */
export function lambdaCost(u: LambdaUsage, prices: UnitPrices): CostItem {
  const base = { name: u.name, kind: 'lambda' as const };
  const arm = u.arch === 'arm64';
  const gbs = arm ? prices.lambdaArmGbSecond : prices.lambdaGbSecond;
  const req = arm ? prices.lambdaArmRequest : prices.lambdaRequest;
  if (gbs === undefined || req === undefined)
    return {
      ...base,
      unknown: `no Lambda ${arm ? 'ARM ' : ''}${gbs === undefined ? 'GB-second' : 'request'} price for ${prices.region} in the Price List`,
    };
  if (!(u.periodHours > 0)) return { ...base, unknown: 'no CloudWatch period measured' };
  const gbSeconds = (u.durationMsSum / 1000) * (u.memoryMiB / 1024);
  return {
    ...base,
    usdPerHour: (gbSeconds * gbs + u.invocations * req) / u.periodHours,
    basis: `${u.invocations} requests, ${+gbSeconds.toFixed(3)} GB-s in ${u.periodHours} h`,
  };
}

/**
 * The Linux on-demand hourly price of each instance type in the region's AmazonEC2 answers (asked with the
 * filters operatingSystem Linux, tenancy Shared, preInstalledSw NA, capacitystatus Used). A type with two
 * different prices there is left out rather than one of them picked.
 */
export function instanceHourPrices(dims: readonly PriceDimension[], region: string): Record<string, number> {
  const seen = new Map<string, Set<number>>();
  for (const d of dims) {
    if (!d.instanceType || (d.regionCode ?? region) !== region) continue;
    if (!/^BoxUsage:/.test(bare(d.usagetype))) continue;
    seen.set(d.instanceType, (seen.get(d.instanceType) ?? new Set()).add(d.usd));
  }
  const out: Record<string, number> = {};
  for (const [type, usds] of seen) if (usds.size === 1) out[type] = [...usds][0]!;
  return out;
}

/** Instances by type, with how many of each. */
export interface InstanceCount {
  instanceType: string;
  count: number;
}

/**
 * EC2 instances behind an ECS service (its cluster's container instances) or an EKS node group. `share` says
 * honestly what the figure covers, e.g. that the whole instances of the cluster are counted because tasks of
 * other services may share them.
 */
export interface Ec2Usage {
  name: string;
  kind?: 'ec2' | 'eks';
  instances: InstanceCount[];
  share?: string;
  /** Set when the instances cannot be priced (no instance found, several types to choose from, spot). */
  unknown?: string;
}

/** EC2: Σ count × the instance type's Linux on-demand hourly price; unknown if any type has no price. */
export function ec2Cost(u: Ec2Usage, prices: UnitPrices): CostItem {
  const base = { name: u.name, kind: u.kind ?? ('ec2' as const) };
  if (u.unknown) return { ...base, unknown: u.unknown };
  const counts = u.instances.filter((i) => i.count > 0);
  if (!counts.length)
    return { ...base, usdPerHour: 0, basis: `no running instances${u.share ? ` (${u.share})` : ''}` };
  const missing = counts
    .filter((i) => prices.ec2Hour?.[i.instanceType] === undefined)
    .map((i) => i.instanceType);
  if (missing.length)
    return {
      ...base,
      unknown: `no Linux on-demand price for ${missing.join(', ')} in ${prices.region} in the Price List`,
    };
  const usdPerHour = counts.reduce((n, i) => n + i.count * prices.ec2Hour![i.instanceType]!, 0);
  const what = counts.map((i) => `${i.count} × ${i.instanceType}`).join(' + ');
  return { ...base, usdPerHour, basis: `${what}${u.share ? ` (${u.share})` : ''}` };
}

/** An EKS cluster: its fee, and its node groups' instances. */
export interface EksUsage {
  cluster: string;
  nodegroups: Ec2Usage[];
}

/** EKS: the cluster fee per hour as one item, and each node group priced as EC2 instances. */
export function eksCost(u: EksUsage, prices: UnitPrices): CostItem[] {
  const fee: CostItem =
    prices.eksClusterHour === undefined
      ? {
          name: `${u.cluster} (cluster fee)`,
          kind: 'eks',
          unknown: `no EKS cluster-hour price for ${prices.region} in the Price List`,
        }
      : {
          name: `${u.cluster} (cluster fee)`,
          kind: 'eks',
          usdPerHour: prices.eksClusterHour,
          basis: '1 cluster (standard support fee)',
        };
  return [fee, ...u.nodegroups.map((n) => ec2Cost({ ...n, kind: 'eks' }, prices))];
}

/** Counts instance types ("g5.xlarge" ×2 …), in the order first seen. */
export function countInstances(types: readonly string[]): InstanceCount[] {
  const m = new Map<string, number>();
  for (const t of types) m.set(t, (m.get(t) ?? 0) + 1);
  return [...m].map(([instanceType, count]) => ({ instanceType, count }));
}

/** Lambda use from CloudWatch's Sum of Invocations and Duration (ms) since `since`, at the function's memory. */
export function lambdaUsageFromMetrics(o: {
  name: string;
  memoryMiB: number;
  invocationsSum: number;
  durationMsSum: number;
  since: number;
  now: number;
  arch?: 'x86_64' | 'arm64';
}): LambdaUsage {
  return {
    name: o.name,
    memoryMiB: o.memoryMiB,
    invocations: o.invocationsSum,
    durationMsSum: o.durationMsSum,
    periodHours: Math.max(0, o.now - o.since) / 3_600_000,
    ...(o.arch ? { arch: o.arch } : {}),
  };
}

/** The total of the known items; `partial` when some are unknown (the total then is a lower bound). */
export function costTotal(items: readonly CostItem[]): { usdPerHour: number; partial: boolean } {
  let usdPerHour = 0;
  let partial = false;
  for (const i of items) {
    if ('usdPerHour' in i) usdPerHour += i.usdPerHour;
    else partial = true;
  }
  return { usdPerHour, partial };
}

const usd = (n: number) => `$${n < 0.1 && n > 0 ? n.toFixed(3) : n.toFixed(2)}`;

/** "AWS ≈ $0.42/h since 09:12 ($1.90)"; "AWS ≈ unknown: …" when nothing is known. */
export function costLine(items: readonly CostItem[], since: number | undefined, now: number): string {
  const known = items.filter((i) => 'usdPerHour' in i);
  if (!known.length) {
    const why = items.find((i): i is Extract<CostItem, { unknown: string }> => 'unknown' in i)?.unknown;
    return `AWS ≈ unknown${why ? `: ${why}` : ''}`;
  }
  const t = costTotal(items);
  const more = t.partial ? ' + unknown' : '';
  if (since === undefined || since > now) return `AWS ≈ ${usd(t.usdPerHour)}/h${more}`;
  const clock = new Date(since).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  const spent = (t.usdPerHour * (now - since)) / 3_600_000;
  return `AWS ≈ ${usd(t.usdPerHour)}/h${more} since ${clock} (${usd(spent)})`;
}

/** Whether the hourly or daily budget is exceeded, and the warning to give once. */
export function budgetExceeded(
  usdPerHour: number,
  budget: { perHour?: number; perDay?: number },
): string | undefined {
  if (budget.perHour !== undefined && usdPerHour > budget.perHour)
    return `AWS ≈ ${usd(usdPerHour)}/h is over the budget of ${usd(budget.perHour)}/h (notify.budget)`;
  if (budget.perDay !== undefined && usdPerHour * 24 > budget.perDay)
    return `AWS ≈ ${usd(usdPerHour * 24)}/day is over the budget of ${usd(budget.perDay)}/day (notify.budget)`;
  return undefined;
}
