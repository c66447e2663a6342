/** What AWS costs for the last deploy, as the CLI and the window say it. */
import type { CostSummary, ReliefSummary } from '../vocabulary';
import { formatBytes } from './index';

/** "freed 9.2 GiB RAM, 6.0 GiB VRAM" from the last stop; undefined when nothing was stopped. */
function freedShort(r: ReliefSummary | null | undefined): string | undefined {
  const last = r?.last;
  if (!last) return undefined;
  return `freed ${formatBytes(last.ramBytes)} RAM${last.vramBytes ? `, ${formatBytes(last.vramBytes)} VRAM` : ''}`;
}

/** "AWS ≈ $0.42/h since 09:12 ($1.90) · freed 9.2 GiB RAM, 6.0 GiB VRAM"; undefined without an estimate. */
export function costReliefLine(
  cost: CostSummary | null | undefined,
  relief?: ReliefSummary | null,
): string | undefined {
  if (!cost) return undefined;
  const freed = freedShort(relief);
  return freed ? `${cost.line} · ${freed}` : cost.line;
}

const date = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/**
 * The estimate's details under its line: each part when there are several, each unknown part and why, usage kept from before (AWS not
 * reachable), prices from the cache with their date, and the budget warning.
 */
export function costDetails(cost: CostSummary | null | undefined): string[] {
  if (!cost) return [];
  const out: string[] = [];
  if (cost.budget?.exceeded) out.push(`⚠ ${cost.budget.exceeded}`);
  for (const i of cost.items) {
    if (i.unknown !== undefined) out.push(`${i.name}: unknown — ${i.unknown}`);
    else if (i.usdPerHour !== undefined && cost.items.length > 1)
      out.push(`${i.name}: $${i.usdPerHour.toFixed(4)}/h (${i.basis ?? ''})`);
  }
  if (cost.stale) out.push(`usage kept: ${cost.stale}`);
  const p = cost.prices;
  if (p.source === 'cache' || p.source === 'stale-cache')
    out.push(
      `prices from the cache of ${p.fetchedAt ? date(p.fetchedAt) : '?'} UTC${p.error ? ` (${p.error})` : ''}`,
    );
  else if (p.source === 'none' && p.error) out.push(`prices unknown: ${p.error}`);
  return out;
}
