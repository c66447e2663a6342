/**
 * What AWS costs for what the last deploy put there, as pure functions: the AWS Price List API's GetProducts
 * answers read into unit prices (each PriceList item is a JSON *string* holding `product.attributes` and
 * `terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD`; see test/fixtures/aws-endpoint/pricing.ts
 * for the captured shape), and the hourly estimate for ECS Fargate tasks (vCPU and memory from the task
 * definition) and Lambda functions (GB-seconds and requests from CloudWatch). A price that is not known is
 * never guessed: the estimate says "unknown" and why.
 */

/** One OnDemand price dimension of a Price List product. */
export interface PriceDimension {
  usagetype: string;
  regionCode?: string;
  unit: string;
  usd: number;
  /** Tier start in the unit (Lambda's GB-seconds are tiered); 0 for untiered prices. */
  beginRange: number;
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

/** The unit prices found in GetProducts answers for AmazonECS and AWSLambda in `region`. */
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
  };
  for (const k of Object.keys(prices) as (keyof UnitPrices)[]) if (prices[k] === undefined) delete prices[k];
  return prices;
}

/** One line of the estimate: a known hourly cost, or "unknown" with why. */
export type CostItem = { name: string; kind: 'fargate' | 'lambda' } & (
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
